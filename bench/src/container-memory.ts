import { readFileSync } from "node:fs";
import { open, readFile, writeFile, type FileHandle } from "node:fs/promises";

/** The memory cgroup of a container, found from one of its processes. */
export interface ContainerCgroup {
  readonly version: 1 | 2;
  /** The cgroup's directory under `/sys/fs/cgroup`. */
  readonly directory: string;
}

/**
 * The memory cgroup `pid` belongs to, from `/proc/<pid>/cgroup`: cgroup v1 (`N:memory:/docker/<id>`, under
 * `/sys/fs/cgroup/memory`) or v2 (`0::/…`, under `/sys/fs/cgroup`). Read from the host's cgroup namespace,
 * so the path is the full one.
 */
export const cgroupOf = async (pid: number): Promise<ContainerCgroup> => {
  const lines = (await readFile(`/proc/${pid}/cgroup`, "utf8")).trim().split("\n");
  const v1 = lines.map((l) => l.split(":")).find(([, controllers]) => controllers?.split(",").includes("memory"));
  if (v1?.[2] !== undefined) return { version: 1, directory: `/sys/fs/cgroup/memory${v1[2]}` };
  const v2 = lines.map((l) => l.split(":")).find(([hierarchy, controllers]) => hierarchy === "0" && controllers === "");
  if (v2?.[2] !== undefined) return { version: 2, directory: `/sys/fs/cgroup${v2[2]}` };
  throw new Error(`no memory cgroup for pid ${pid} in /proc/${pid}/cgroup`);
};

/** The processes in the cgroup now (host pids). */
export const cgroupProcesses = (cgroup: ContainerCgroup): ReadonlyArray<number> => {
  try {
    return readFileSync(`${cgroup.directory}/cgroup.procs`, "utf8").split("\n").filter((s) => s !== "").map(Number);
  } catch {
    return [];
  }
};

/**
 * The cgroup's memory peak during one push, reset when it starts. v1: `memory.max_usage_in_bytes`, reset by
 * writing 0. v2: `memory.peak`, reset for one open file by writing to it (Linux 6.12+); on older kernels it
 * cannot be reset, so the largest `memory.current` sampled during the push is used instead. Both count what
 * the kernel charges to the container: its processes' memory and the page cache they bring in.
 */
export class CgroupPeak {
  private sampled = 0;
  private constructor(
    private readonly cgroup: ContainerCgroup,
    private readonly peakFile: FileHandle | undefined,
  ) {}

  /** Resets the peak (or starts sampling) for one push. */
  static async start(cgroup: ContainerCgroup): Promise<CgroupPeak> {
    if (cgroup.version === 1) {
      await writeFile(`${cgroup.directory}/memory.max_usage_in_bytes`, "0");
      return new CgroupPeak(cgroup, undefined);
    }
    const file = await open(`${cgroup.directory}/memory.peak`, "r+").catch(() => undefined);
    const reset = file === undefined ? false : await file.write("reset\n").then(() => true, () => false);
    if (!reset) await file?.close();
    return new CgroupPeak(cgroup, reset ? file : undefined);
  }

  /** Samples `memory.current` where the peak cannot be reset (cgroup v2 before Linux 6.12). */
  sample(): void {
    if (this.cgroup.version === 1 || this.peakFile !== undefined) return;
    let current = 0;
    try {
      current = Number(readFileSync(`${this.cgroup.directory}/memory.current`, "utf8"));
    } catch {
      // The container is gone; its last sample stands.
    }
    if (current > this.sampled) this.sampled = current;
  }

  /** The peak since {@link start}, in bytes. */
  async finish(): Promise<number> {
    if (this.cgroup.version === 1) return Number(await readFile(`${this.cgroup.directory}/memory.max_usage_in_bytes`, "utf8"));
    if (this.peakFile === undefined) return this.sampled;
    try {
      const { buffer, bytesRead } = await this.peakFile.read({ buffer: Buffer.alloc(64), position: 0 });
      return Number(buffer.subarray(0, bytesRead).toString("utf8").trim());
    } finally {
      await this.peakFile.close();
    }
  }
}
