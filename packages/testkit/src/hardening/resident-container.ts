import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entriesOf } from "./directory-watcher.js";
import { runTool } from "./run-tool.js";

/** Options of {@link startResidentContainer}. */
export interface ResidentContainerOptions {
  /** The skopeo image (the environment's `skopeoImage`). */
  readonly image: string;
  /** The daemon. @default the shared daemon (DOCKER_HOST unset) */
  readonly dockerHost?: string | undefined;
  /** Start of the container's name; a random suffix follows. @default "skopush-hardening" */
  readonly namePrefix?: string | undefined;
  /**
   * Seconds a stop (or the daemon's shutdown) waits before killing the container, whose `tail` ignores
   * SIGTERM as PID 1. `skopush service create` uses 2; Docker's default is 10. @default 1
   */
  readonly stopTimeoutSeconds?: number | undefined;
  /** The host side of the shared directory, as it is (not created, not removed). @default a fresh private directory, removed with the container */
  readonly sharedDir?: string | undefined;
}

/** A resident skopeo container of one test (host network, its own shared directory at /tmp/skopeo). */
export interface ResidentContainer {
  readonly name: string;
  /** The host side of the shared directory. */
  readonly sharedDir: string;
  /** The `DOCKER_HOST` the container lives on, when not the shared daemon. */
  readonly dockerHost?: string | undefined;
  /** What is left in the shared directory. */
  leftovers(): string[];
  /** The argv of every process in the container other than its resident `tail`. */
  processes(): Promise<string[]>;
  /** `docker kill`: the container dies at once, as under an OOM kill or a crash. */
  kill(): Promise<void>;
  /** `docker start` (after a kill or a daemon restart). */
  start(): Promise<void>;
  /** Removes the container and its shared directory. */
  remove(): Promise<void>;
}

/** Starts a resident skopeo container as `skopush service create` would, with a private shared directory. */
export const startResidentContainer = async (options: ResidentContainerOptions): Promise<ResidentContainer> => {
  const name = `${options.namePrefix ?? "skopush-hardening"}-${randomBytes(4).toString("hex")}`;
  const own = options.sharedDir === undefined;
  const sharedDir = options.sharedDir ?? mkdtempSync(join(tmpdir(), "skopush-share-"));
  const env = options.dockerHost === undefined ? process.env : { ...process.env, DOCKER_HOST: options.dockerHost };
  const docker = async (...args: string[]) => {
    const result = await runTool("docker", args, { env });
    if (result.code !== 0) throw new Error(`docker ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  };
  await docker("run", "-d", "--name", name, "--network", "host", "--stop-timeout", String(options.stopTimeoutSeconds ?? 1), "-v", `${sharedDir}:/tmp/skopeo`, options.image, "tail", "-f", "/dev/null");
  return {
    name,
    sharedDir,
    dockerHost: options.dockerHost,
    leftovers: () => entriesOf(sharedDir),
    processes: async () =>
      (await docker("top", name, "-o", "pid,args"))
        .split("\n")
        .slice(1)
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.includes("tail -f /dev/null")),
    kill: async () => void (await docker("kill", name)),
    start: async () => void (await docker("start", name)),
    remove: async () => {
      await runTool("docker", ["rm", "-f", name], { env });
      if (own) rmSync(sharedDir, { recursive: true, force: true });
    },
  };
};
