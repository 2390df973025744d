import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { DOCKER_SOCKET } from "../environment/dockerd.js";
import { isAlive } from "../environment/process.js";
import { createPrivateBridge } from "./private-bridge.js";
import { descendantsOf, listProcesses } from "./processes.js";
import { runTool } from "./run-tool.js";

/** Options of {@link startPrivateDockerd}. */
export interface PrivateDockerdOptions {
  /** An empty directory of this test's own (keep it short: socket paths are limited to 107 bytes). */
  readonly dir: string;
  /** Images copied in from the shared daemon with `docker save | docker load`. @default [] */
  readonly images?: ReadonlyArray<string> | undefined;
  /** The daemon the images are copied from. @default the shared daemon's socket */
  readonly sourceSocket?: string | undefined;
  /** How long a start may take before it fails. @default 90000 */
  readonly startTimeoutMs?: number | undefined;
}

/**
 * A Docker daemon of one test's own: its own socket, data root, exec root (and so its own containerd),
 * pid file, log and Linux bridge; no iptables rules, so it touches nothing the shared daemon owns. Fault
 * tests stop and start it freely; containers on it need `--network host` (the bridge has no NAT).
 */
export interface PrivateDockerd {
  /** `unix://<dir>/docker.sock`: the `DOCKER_HOST` of this daemon. */
  readonly host: string;
  readonly socket: string;
  readonly logFile: string;
  /** The daemon's pid while it runs. */
  pid(): number | undefined;
  /** Runs the docker CLI against this daemon; rejects with its stderr on a non-zero exit. */
  docker(...args: string[]): Promise<string>;
  /** True when `/_ping` answers OK. */
  answers(): Promise<boolean>;
  /** Stops the daemon as `systemctl stop docker` does (SIGTERM; its containers are killed after 1 s) and waits until it is gone. */
  stop(): Promise<void>;
  /** Starts the daemon (again) and waits until it answers. */
  start(): Promise<void>;
  /** Stops the daemon, ends whatever it left running, unmounts and deletes its directory. */
  remove(): Promise<void>;
}

const ping = (socketPath: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", method: "GET", timeout: 2_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitFor = async (condition: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`[skopush] [private-dockerd] timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
};

/** Mount points at or below `dir`, deepest first. */
const mountsBelow = (dir: string): string[] =>
  readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4]?.replace(/\\040/g, " "))
    .filter((point): point is string => point !== undefined && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);

/**
 * Starts a private `dockerd` (root only: it fails, never skips, elsewhere) and copies `images` into it.
 * Call `remove()` in `afterAll`.
 */
export const startPrivateDockerd = async (options: PrivateDockerdOptions): Promise<PrivateDockerd> => {
  if (process.getuid?.() !== 0) throw new Error("[skopush] [private-dockerd] a private Docker daemon needs root; run the integration tests as root (CI does)");
  const dir = options.dir;
  const socket = join(dir, "docker.sock");
  const pidFile = join(dir, "docker.pid");
  const logFile = join(dir, "dockerd.log");
  if (socket.length > 100) throw new Error(`[skopush] [private-dockerd] ${dir} is too long for a unix socket path; use a shorter directory`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const host = `unix://${socket}`;
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  let pid: number | undefined;
  const bridge = await createPrivateBridge();

  const docker = async (...args: string[]): Promise<string> => {
    const result = await runTool("docker", args, { env: { ...process.env, DOCKER_HOST: host } });
    if (result.code !== 0) throw new Error(`docker ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  };

  const start = async (): Promise<void> => {
    if (pid !== undefined && isAlive(pid) && (await ping(socket))) return;
    const log = openSync(logFile, "a");
    try {
      const child = spawn(
        "dockerd",
        [
          "--host", host,
          "--data-root", join(dir, "data"),
          "--exec-root", join(dir, "exec"),
          "--pidfile", pidFile,
          `--bridge=${bridge.name}`,
          "--iptables=false",
          "--ip-masq=false",
          "--shutdown-timeout=1",
        ],
        { detached: true, stdio: ["ignore", log, log] },
      );
      child.unref();
      pid = child.pid;
    } finally {
      closeSync(log);
    }
    await waitFor(() => ping(socket), `the private daemon on ${socket} to answer (see ${logFile})`, timeoutMs);
  };

  const stop = async (): Promise<void> => {
    if (pid === undefined || !isAlive(pid)) return;
    process.kill(pid, "SIGTERM");
    const current = pid;
    try {
      await waitFor(() => !isAlive(current) || /^State:\s+Z/m.test(readFileSync(`/proc/${current}/status`, "utf8")), `dockerd ${current} to exit`, 60_000);
    } catch {
      process.kill(current, "SIGKILL");
      await waitFor(() => !isAlive(current), `dockerd ${current} to die`, 10_000);
    }
    pid = undefined;
  };

  const remove = async (): Promise<void> => {
    await stop().catch(() => undefined);
    // A daemon that did not shut down cleanly leaves its containerd and shims: ours name our directory.
    for (const stray of listProcesses().filter((p) => p.cmdline.includes(dir))) {
      for (const victim of [...descendantsOf(stray.pid), stray]) {
        try {
          process.kill(victim.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    for (const point of mountsBelow(dir)) await runTool("umount", ["-l", point]);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    await bridge.remove();
  };

  await start();
  try {
    const source = options.sourceSocket ?? DOCKER_SOCKET;
    for (const image of options.images ?? []) {
      const copied = await runTool("sh", ["-c", 'docker -H "$1" save "$3" | docker -H "$2" load', "copy-image", `unix://${source}`, host, image]);
      if (copied.code !== 0) throw new Error(`copying ${image} into the private daemon failed: ${copied.stderr.trim()}`);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    host,
    socket,
    logFile,
    pid: () => (pid !== undefined && isAlive(pid) ? pid : undefined),
    docker,
    answers: () => (existsSync(socket) ? ping(socket) : Promise.resolve(false)),
    stop,
    start,
    remove,
  };
};
