import { readdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { commandLineOf } from "./process.js";

/** The environment variable that, set to `0`, keeps a dockerd the environment started running at teardown. */
export const STOP_DOCKERD_ENV = "SKOPUSH_STOP_DOCKERD";

// Several environments (one per worktree) can share one machine's daemon; the first to find none starts it.
// Stopping it at its teardown would pull the daemon from under the others' runs, so teardown first looks
// for them: a live `docker-registry serve <stateDir>/registries/<kind>/config.yml` whose state file records
// the same socket is an environment still up and using that daemon.

const registryStateDir = (argv: ReadonlyArray<string>): string | undefined => {
  if (!(argv[0] ?? "").endsWith("docker-registry") || argv[1] !== "serve" || argv[2] === undefined) return undefined;
  const config = resolve(argv[2]);
  const kindDir = dirname(config);
  const registriesDir = dirname(kindDir);
  return registriesDir.endsWith("/registries") ? dirname(registriesDir) : undefined;
};

const socketOf = (stateDir: string): string | undefined => {
  try {
    return (JSON.parse(readFileSync(resolve(stateDir, "state.json"), "utf8")) as { docker?: { socket?: string } }).docker?.socket;
  } catch {
    return undefined;
  }
};

/** Of these processes' argvs, the state directories of test environments other than `ownStateDir` whose state records the daemon at `socket`. */
export const environmentsUsingDocker = (commandLines: Iterable<ReadonlyArray<string>>, socket: string, ownStateDir: string): ReadonlyArray<string> => {
  const others = new Set<string>();
  for (const argv of commandLines) {
    const stateDir = registryStateDir(argv);
    if (stateDir !== undefined && stateDir !== resolve(ownStateDir) && socketOf(stateDir) === socket) others.add(stateDir);
  }
  return [...others];
};

function* liveCommandLines(): Generator<ReadonlyArray<string>> {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return;
  }
  for (const pid of pids) {
    const argv = commandLineOf(Number(pid));
    if (argv !== undefined) yield argv;
  }
}

/** The state directories of other live test environments whose state records the daemon at `socket`. */
export const otherEnvironmentsUsingDocker = (socket: string, ownStateDir: string): ReadonlyArray<string> =>
  environmentsUsingDocker(liveCommandLines(), socket, ownStateDir);

/** Whether teardown may stop the dockerd it started: not when `SKOPUSH_STOP_DOCKERD=0`, nor while another environment uses it. */
export const mayStopDockerd = (socket: string, ownStateDir: string, env: NodeJS.ProcessEnv = process.env): boolean =>
  env[STOP_DOCKERD_ENV] !== "0" && otherEnvironmentsUsingDocker(socket, ownStateDir).length === 0;
