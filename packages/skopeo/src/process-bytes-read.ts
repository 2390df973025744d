import { readFile } from "node:fs/promises";

/**
 * The bytes process `pid` has read so far (`rchar` of `/proc/<pid>/io`: every read, from files and
 * sockets), or `undefined` where that cannot be read (not Linux, another user's process, gone).
 */
export const processBytesRead = async (pid: number): Promise<number | undefined> => {
  const io = await readFile(`/proc/${pid}/io`, "utf8").catch(() => undefined);
  const match = io === undefined ? null : /^rchar:\s*(\d+)$/m.exec(io);
  return match ? Number(match[1]) : undefined;
};

/**
 * Calls `onBytes` every `intervalMs` with what {@link processBytesRead} reports for the process `locate`
 * answers (a pid, or undefined while it is not found yet: it is asked again next time), until the
 * returned stop function is called or the count of a found process cannot be read any more. Samples
 * never overlap.
 */
export const sampleBytesRead = (
  locate: number | (() => Promise<number | undefined>),
  intervalMs: number,
  onBytes: (bytes: number) => void,
): (() => void) => {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pid = typeof locate === "number" ? locate : undefined;
  const sample = async () => {
    if (pid === undefined && typeof locate === "function") pid = await locate().catch(() => undefined);
    if (stopped) return;
    if (pid !== undefined) {
      const bytes = await processBytesRead(pid);
      if (stopped || bytes === undefined) return;
      try {
        onBytes(bytes);
      } catch {
        // Progress must never break the push.
      }
    }
    timer = setTimeout(() => void sample(), intervalMs);
  };
  timer = setTimeout(() => void sample(), intervalMs);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
};
