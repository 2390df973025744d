import { readFileSync } from "node:fs";

/** What `/proc/<pid>/status` says about a process's memory. */
export interface ProcessStatus {
  /** `Name`: the program (the first 15 characters of its file name). */
  readonly program: string;
  /** `VmHWM`: the peak resident set of the program the process runs now, in bytes. */
  readonly peakRssBytes: number;
}

// Synchronous reads on purpose: /proc answers from memory, and a read on the thread pool costs the sampler
// several times the CPU (with a 5 ms period, 15–20 % of a core, which on two cores slows the push measured).

/** Reads `/proc/<pid>/status`; `undefined` once the process is gone (or is a zombie, which has no memory). */
export const processStatus = (pid: number): ProcessStatus | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
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
export const childrenOf = (pid: number): ReadonlyArray<number> => {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.split(" ").filter((s) => s.trim() !== "").map(Number);
  } catch {
    return [];
  }
};

/** `pid` and every descendant of it that exists now. */
export const processTree = (pid: number): ReadonlyArray<number> => {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    found.push(next);
    queue.push(...childrenOf(next));
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
  sample(pids: ReadonlyArray<number>, place: ProcessPlace): void {
    for (const pid of pids) {
      const status = processStatus(pid);
      if (status === undefined) continue;
      const known = this.peaks.get(pid);
      this.peaks.set(pid, { program: status.program, place, peak: Math.max(known?.peak ?? 0, status.peakRssBytes) });
    }
  }

  /** Every process seen, with its peak. */
  result(): ReadonlyArray<ProcessPeak> {
    return [...this.peaks].map(([pid, p]) => ({ pid, program: p.program, place: p.place, peakRssBytes: p.peak }));
  }
}
