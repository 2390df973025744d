import { tmpdir } from "node:os";
import { ARCHIVE_TEMP_BASE, reapDeadTempDirectories } from "@skopush/archive";
import { UPLOAD_PREFIX } from "@skopush/strategy-dockerode";
import { NATIVE_WORKSPACE_PREFIX } from "@skopush/strategy-native";

/** The name bases of the temporary directories every strategy makes in the temp directory. */
export const TEMP_DIRECTORY_BASES: ReadonlyArray<string> = [NATIVE_WORKSPACE_PREFIX, ARCHIVE_TEMP_BASE, UPLOAD_PREFIX];

/**
 * Removes from `directory` what killed pushes of any strategy left there (their owner process is gone),
 * answering the paths removed. Each strategy reaps its own when it next makes one; this is for a run that
 * pushes through another strategy, or pushes nothing (`skopush service`).
 */
export const reapDeadPushTemporaries = async (directory: string = tmpdir()): Promise<string[]> =>
  (await Promise.all(TEMP_DIRECTORY_BASES.map((base) => reapDeadTempDirectories(directory, base)))).flat();
