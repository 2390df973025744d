import { readdirSync, readFileSync } from "node:fs";
import { sampleBytesRead } from "@skopush/skopeo";

/** How often a container strategy reads the bytes its skopeo has read, for progress. */
export const CONTAINER_PROGRESS_INTERVAL_MS = 250;

// Synchronous reads on purpose: /proc answers from memory, and a scan reads a few hundred tiny files.
const read = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

/**
 * The pid, on this host, of the skopeo a push runs in a container: the process named `skopeo` whose
 * command line holds the push's workspace as the container sees it (unique to the push). A container's
 * processes are processes of this machine's kernel, so this host's /proc lists them when the Docker
 * daemon runs here. Undefined when there is none (not started yet, gone, a remote daemon, a /proc that
 * hides other users' processes).
 */
export const findContainerSkopeo = (workspace: string, proc = "/proc"): number | undefined => {
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || read(`${proc}/${entry}/comm`).trim() !== "skopeo") continue;
    if (read(`${proc}/${entry}/cmdline`).split("\0").some((arg) => arg.includes(`${workspace}/`))) return Number(entry);
  }
  return undefined;
};

/**
 * Reports, every {@link CONTAINER_PROGRESS_INTERVAL_MS}, the bytes read so far by the skopeo of the push
 * whose workspace is `workspace` (in the container), read from this host's `/proc/<pid>/io`: skopeo prints
 * no byte progress without a terminal. Readable when skopush may inspect that process (root, or a rootless
 * daemon's own user); otherwise nothing is reported. Returns the function that stops sampling.
 */
export const sampleContainerSkopeoBytes = (workspace: string, onBytes: (bytes: number) => void): (() => void) =>
  sampleBytesRead(async () => findContainerSkopeo(workspace), CONTAINER_PROGRESS_INTERVAL_MS, onBytes);
