import { spawn } from "node:child_process";
import type { ChildCommand } from "./bench-row.js";
import { CgroupPeak, cgroupProcesses, type ContainerCgroup } from "./container-memory.js";
import { PeakTracker, processTree, type ProcessPeak } from "./process-memory.js";

/** One measured process. */
export interface Measured {
  /** From spawn to exit. */
  readonly wallMs: number;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /**
   * Every process of the push seen while sampling: the spawned process and its descendants on this host,
   * and the processes started in the container during it, each with its peak RSS (`VmHWM`).
   */
  readonly processes: ReadonlyArray<ProcessPeak>;
  /** The container's memory cgroup peak during the push (only when a container was watched). */
  readonly containerPeakBytes?: number | undefined;
}

/** Options of {@link runMeasured}. */
export interface MeasureOptions {
  /** A container to watch too: its new processes and its cgroup's peak. */
  readonly container?: ContainerCgroup | undefined;
}

const SAMPLE_EVERY_MS = 10;

/**
 * Runs a command and samples, every few milliseconds until it exits, the peak RSS (`VmHWM`, which the
 * kernel keeps per process and never lowers) of it and of every descendant, and of the processes that
 * appear in the watched container. Processes that live less than a sampling period may be missed; they
 * are the short probes, never the push.
 */
export const runMeasured = async (command: ChildCommand, options: MeasureOptions = {}): Promise<Measured> => {
  const container = options.container;
  const residents = new Set(container ? cgroupProcesses(container) : []);
  const cgroupPeak = container ? await CgroupPeak.start(container) : undefined;
  const tracker = new PeakTracker();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command.file, [...command.args], { env: { ...process.env, ...command.env }, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    let running = true;
    const pid = child.pid;
    const sample = async () => {
      while (running && pid !== undefined) {
        tracker.sample(processTree(pid), "host");
        if (container) {
          tracker.sample(cgroupProcesses(container).filter((p) => !residents.has(p)), "container");
          cgroupPeak?.sample();
        }
        await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      }
    };
    const sampling = sample();
    child.on("error", reject);
    child.on("close", (code) => {
      running = false;
      const wallMs = performance.now() - started;
      void sampling
        .then(async () => ({
          wallMs,
          exitCode: code,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          processes: tracker.result(),
          containerPeakBytes: await cgroupPeak?.finish(),
        }))
        .then(resolve, reject);
    });
  });
};

/** Peak RSS per program and place: the largest of the processes running it (they run one after another: the probe's `docker inspect`, then `docker exec`). */
export const peaksByProgram = (processes: ReadonlyArray<ProcessPeak>): ReadonlyArray<ProcessPeak> => {
  const byProgram = new Map<string, ProcessPeak>();
  for (const p of processes) {
    const key = `${p.place} ${p.program}`;
    const known = byProgram.get(key);
    if (known === undefined || p.peakRssBytes > known.peakRssBytes) byProgram.set(key, p);
  }
  return [...byProgram.values()].sort((a, b) => b.peakRssBytes - a.peakRssBytes);
};

/**
 * The peak RSS of a push: the sum, over the programs it ran, of each program's peak. An upper bound where
 * programs peak at different moments (Node while loading, skopeo while uploading), which is the price of
 * sampling `VmHWM` rather than adding up resident sets every few milliseconds.
 */
export const pushPeakBytes = (processes: ReadonlyArray<ProcessPeak>): number =>
  peaksByProgram(processes).reduce((sum, p) => sum + p.peakRssBytes, 0);
