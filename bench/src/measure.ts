import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { ChildCommand } from "./bench-row.js";

/** One measured process. */
export interface Measured {
  /** From spawn to exit. */
  readonly wallMs: number;
  /** The largest `VmHWM` sampled from `/proc/<pid>/status`, in bytes (0 if never sampled). */
  readonly peakRssBytes: number;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const SAMPLE_EVERY_MS = 5;

const vmHwm = async (pid: number): Promise<number | undefined> => {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
};

/**
 * Runs a command and samples its `VmHWM` (the peak resident set the kernel records for the process)
 * every few milliseconds until it exits. `VmHWM` never goes down, so the last sample is the peak up to
 * then. An `exec` (skopeo under `unshare … sh -c 'exec skopeo'`) keeps the pid and starts a new
 * address space, so the samples after it are the final program's own.
 */
export const runMeasured = (command: ChildCommand): Promise<Measured> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command.file, [...command.args], { env: { ...process.env, ...command.env }, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    let peak = 0;
    let running = true;
    const pid = child.pid;
    const sample = async () => {
      while (running && pid !== undefined) {
        const hwm = await vmHwm(pid);
        if (hwm !== undefined && hwm > peak) peak = hwm;
        await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      }
    };
    const sampling = sample();
    child.on("error", reject);
    child.on("close", (code) => {
      running = false;
      const wallMs = performance.now() - started;
      void sampling.then(() =>
        resolve({ wallMs, peakRssBytes: peak, exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
      );
    });
  });
