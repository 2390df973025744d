import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";

const version = (file: string, args: ReadonlyArray<string>): string => {
  try {
    return execFileSync(file, [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n")[0] ?? "";
  } catch {
    return `${file}: unavailable`;
  }
};

/** Date, CPU, memory, the load average now, and the versions of what the bench runs. */
export const describeMachine = (): string =>
  [
    `date: ${new Date().toISOString()}`,
    `machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; load average at start ${loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    `node ${process.version}; ${version("skopeo", ["--version"])}; docker ${version("docker", ["version", "--format", "client {{.Client.Version}}, daemon {{.Server.Version}}"])}`,
  ].join("\n");

/** Samples the 1-minute load average every few seconds, to report the range the bench ran in. */
export class LoadWatch {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 5_000) {
    this.samples.push(loadavg()[0] ?? 0);
    this.timer = setInterval(() => this.samples.push(loadavg()[0] ?? 0), everyMs).unref();
  }

  /** `min–max (median m)` of the samples so far. */
  summary(): string {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
    return `1-minute load average during the run: ${at(0)}–${at(1)} (median ${at(0.5)}, ${sorted.length} samples)`;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
