import { readFile } from "node:fs/promises";

/** What `/proc/<pid>/status` says about a process's memory. */
export interface ProcessStatus {
  /** `Name`: the program (the first 15 characters of its file name). */
  readonly program: string;
  /** `VmHWM`: the peak resident set of the program the process runs now, in bytes. */
  readonly peakRssBytes: number;
}

/** Reads `/proc/<pid>/status`; `undefined` once the process is gone (or is a zombie, which has no memory). */
export const processStatus = async (pid: number): Promise<ProcessStatus | undefined> => {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    if (kb === undefined) return undefined;
    return { program: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? "?", peakRssBytes: Number(kb) * 1024 };
  } catch {
    return undefined;
  }
};

/**
 * The children of `pid`, from `/proc/<pid>/task/<pid>/children` (the children its main thread started: Node
 * and the docker CLI start theirs from the main thread). Empty once the process is gone.
 */
export const childrenOf = async (pid: number): Promise<ReadonlyArray<number>> => {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.split(" ").filter((s) => s.trim() !== "").map(Number);
  } catch {
    return [];
  }
};

/** `pid` and every descendant of it that exists now. */
export const processTree = async (pid: number): Promise<ReadonlyArray<number>> => {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    found.push(next);
    queue.push(...(await childrenOf(next)));
  }
  return found;
};

/** Where a process of a push ran. */
export type ProcessPlace = "host" | "container";

/** The peak of one process of a push. */
export interface ProcessPeak {
  readonly pid: number;
  readonly program: string;
  readonly place: ProcessPlace;
  readonly peakRssBytes: number;
}

/**
 * Keeps, per process, the largest `VmHWM` seen and the program it ran last (`unshare … sh -c 'exec skopeo'`
 * keeps the pid and ends as skopeo, whose own peak is then the one that counts: `VmHWM` restarts at an exec).
 */
export class PeakTracker {
  private readonly peaks = new Map<number, { program: string; place: ProcessPlace; peak: number }>();

  /** Samples `pids` once. */
  async sample(pids: ReadonlyArray<number>, place: ProcessPlace): Promise<void> {
    await Promise.all(
      pids.map(async (pid) => {
        const status = await processStatus(pid);
        if (status === undefined) return;
        const known = this.peaks.get(pid);
        this.peaks.set(pid, { program: status.program, place, peak: Math.max(known?.peak ?? 0, status.peakRssBytes) });
      }),
    );
  }

  /** Every process seen, with its peak. */
  result(): ReadonlyArray<ProcessPeak> {
    return [...this.peaks].map(([pid, p]) => ({ pid, program: p.program, place: p.place, peakRssBytes: p.peak }));
  }
}
