import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { Effect } from "effect";
import { NotReady, TestEnvironmentError } from "./errors.js";
import { isOurProcess, terminate } from "./process.js";
import type { Tools } from "./install.js";
import { pollUntilReady } from "./wait.js";

/** The Docker daemon socket the environment uses. */
export const DOCKER_SOCKET = "/var/run/docker.sock";

/** The daemon the environment talks to, and whether the environment started it. */
export interface DockerState {
  readonly socket: string;
  readonly startedByUs: boolean;
  /** The pid of the dockerd we started. */
  readonly pid?: number | undefined;
  readonly log?: string | undefined;
}

/** What the socket answered to `GET /_ping`. */
export type PingAnswer = "ok" | "no-daemon" | "permission-denied";

/** Asks the daemon behind `socket` for `/_ping`. */
export const pingDocker = (socket: string, timeoutMs = 2_000): Effect.Effect<PingAnswer> =>
  Effect.callback<PingAnswer>((resume) => {
    const req = request({ socketPath: socket, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resume(Effect.succeed(res.statusCode === 200 ? "ok" : "no-daemon"));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) =>
      resume(Effect.succeed(error.code === "EACCES" ? "permission-denied" : "no-daemon")),
    );
    req.end();
  });

const logTail = (file: string): string => {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-25).join("\n");
  } catch {
    return "";
  }
};

const isDockerd = (argv: ReadonlyArray<string>): boolean => (argv[0] ?? "").endsWith("dockerd");

const startDockerd = (tools: Tools, socket: string, log: string) =>
  Effect.gen(function* () {
    const pid = yield* Effect.sync(() => {
      const fd = openSync(log, "a", 0o600);
      try {
        // detached: setsid, so the daemon outlives this process and its terminal.
        const child = spawn(tools.dockerd, [], { detached: true, stdio: ["ignore", fd, fd] });
        child.unref();
        return child.pid;
      } finally {
        closeSync(fd);
      }
    });
    if (pid === undefined) {
      return yield* new TestEnvironmentError({ step: "dockerd", reason: "could not start dockerd", logTail: logTail(log) });
    }
    const answered = Effect.gen(function* () {
      if (!isOurProcess(pid, isDockerd)) {
        return yield* new TestEnvironmentError({ step: "dockerd", reason: `dockerd (pid ${pid}) exited`, logTail: logTail(log) });
      }
      if ((yield* pingDocker(socket)) !== "ok") return yield* new NotReady({ reason: `${socket} does not answer yet` });
    });
    yield* pollUntilReady(answered, { intervalMs: 250, withinMs: 60_000 }, (last) =>
      new TestEnvironmentError({
        step: "dockerd",
        reason: `dockerd (pid ${pid}) started, but ${last.reason} after 60 s`,
        fix: `read ${log}`,
        logTail: logTail(log),
      }),
    );
    return pid;
  });

/**
 * Makes sure a Docker daemon answers on `socket`: reuses one that does (remembering whether we started
 * it earlier), and starts `dockerd` detached, logging to `log`, when none does.
 */
export const ensureDockerd = (
  tools: Tools,
  log: string,
  previous: DockerState | undefined,
  socket: string = DOCKER_SOCKET,
): Effect.Effect<{ readonly docker: DockerState; readonly startedNow: boolean }, TestEnvironmentError> =>
  Effect.gen(function* () {
    const answer = yield* pingDocker(socket);
    if (answer === "ok") {
      const ours = previous?.startedByUs === true && isOurProcess(previous.pid, isDockerd);
      return { docker: ours ? { socket, startedByUs: true, pid: previous.pid, log } : { socket, startedByUs: false }, startedNow: false };
    }
    if (answer === "permission-denied") {
      return yield* new TestEnvironmentError({
        step: "dockerd",
        reason: `permission denied on ${socket}`,
        fix: "run as root, or add your user to the docker group (sudo usermod -aG docker $USER) and log in again",
      });
    }
    if (process.getuid?.() !== 0) {
      return yield* new TestEnvironmentError({
        step: "dockerd",
        reason: `no Docker daemon answers on ${socket}, and only root can start one`,
        fix: "run: sudo setsid dockerd >/tmp/dockerd.log 2>&1 &",
      });
    }
    const pid = yield* startDockerd(tools, socket, log);
    return { docker: { socket, startedByUs: true, pid, log }, startedNow: true };
  });

/** Stops the dockerd we started; a daemon someone else started is left alone. */
export const stopDockerd = (state: DockerState | undefined): Effect.Effect<void, TestEnvironmentError> =>
  state?.startedByUs && isOurProcess(state.pid, isDockerd) ? terminate("dockerd", state.pid!, 30_000) : Effect.void;
