import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT_BLOB_INFO_CACHE_DIR } from "./fixtures/resident-container.js";

/**
 * skopeo keeps a blob-info cache (uncompressed digest → pushed digests) in
 * `/var/lib/containers/cache/blob-info-cache-v1.boltdb` when run as root (`~/.local/share/containers/cache`
 * rootless), with no option to move it. A row that runs skopeo on this host runs it in a private mount
 * namespace where the row's own directory is bind-mounted there: empty for a cold push, what the cold push
 * wrote for the warm one, and the machine's real cache is never touched. The mount dies with the process.
 */
const SCRIPT = `mkdir -p ${ROOT_BLOB_INFO_CACHE_DIR} && mount --bind "$0" ${ROOT_BLOB_INFO_CACHE_DIR} && exec skopeo "$@"`;

/** The row's private stand-in for skopeo's cache directory. */
export const privateCacheDir = (rowDir: string): string => join(rowDir, "containers-cache");

/** Empties the row's private cache, so the next push is cold. */
export const resetPrivateCache = async (rowDir: string): Promise<void> => {
  await rm(privateCacheDir(rowDir), { recursive: true, force: true });
  await mkdir(privateCacheDir(rowDir), { recursive: true, mode: 0o700 });
};

/** The argv that runs `skopeo <args>` with the row's private cache. */
export const withPrivateCache = (rowDir: string, skopeoArgs: ReadonlyArray<string>): { file: string; args: ReadonlyArray<string> } => ({
  file: "unshare",
  args: ["--mount", "--propagation", "private", "sh", "-c", SCRIPT, privateCacheDir(rowDir), ...skopeoArgs],
});

/**
 * Writes an executable `skopeo` stand-in into the row's directory for a strategy that takes a skopeo path
 * (the native strategy's `skopeoPath`): `skopeo copy` runs with the row's private cache, anything else (the
 * probe's `--version`) runs skopeo directly, as it would without the bench.
 */
export const writePrivateCacheSkopeo = async (rowDir: string): Promise<string> => {
  const path = join(rowDir, "skopeo-private-cache");
  const { args } = withPrivateCache(rowDir, []);
  const quoted = args.map((a) => `'${a.replaceAll("'", `'"'"'`)}'`).join(" ");
  await writeFile(path, `#!/bin/sh\n[ "$1" = copy ] || exec skopeo "$@"\nexec unshare ${quoted} "$@"\n`);
  await chmod(path, 0o755);
  return path;
};
