import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { execa, type ResultPromise } from "execa";
import type { EnvironmentFault } from "@skopush/core";
import { stageByCopy, type SkopeoHost, type SkopeoRunOptions, type SkopeoRunResult, type Workspace } from "@skopush/skopeo";
import {
  killedSkopeoProblem,
  sampleContainerSkopeoBytes,
  settledContainerState,
  sharedWorkspace,
  SIGNAL_EXIT_BASE,
  stopCommand,
  wrappedCommand,
  WRAPPER_CANCELLED_EXIT,
  WRAPPER_NO_WORKSPACE_EXIT,
  type StopSignal,
} from "@skopush/skopeo-container";
import { classifyDockerStderr, environmentFault, type DockerProblem } from "./classify-error.js";
import { runDocker } from "./docker-cli.js";
import type { DockerExecTarget } from "./docker-exec-probe.js";

/** How long skopeo gets to exit after SIGTERM, and after SIGKILL, before skopush stops waiting. */
export interface StopGrace {
  readonly termMs: number;
  readonly killMs: number;
}

const waitFor = (child: ResultPromise, ms: number): Effect.Effect<boolean> =>
  Effect.promise(() =>
    Promise.race([child.then(() => true, () => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]),
  );

/**
 * The {@link SkopeoHost} of one push through `docker exec`: the workspace lives in the shared
 * directory, the archive is hard-linked (or copied) into it, and skopeo runs in the resident container
 * under the wrapper that lets a cancelled push stop it. One host per push: it remembers the push's
 * workspace, where the wrapper records skopeo's pid.
 */
export const dockerExecSkopeoHost = (target: DockerExecTarget, grace: StopGrace): SkopeoHost => {
  let workspace: Workspace | undefined;
  const problemContext = { container: target.container, createCommand: target.createCommand };

  /** Whether the container still runs; a recognised docker problem (the daemon gone) instead when there is one. */
  const containerState: Effect.Effect<boolean | undefined | DockerProblem> = runDocker(
    target.cli,
    ["container", "inspect", "--format", "{{.State.Running}}", target.container],
    target.commandTimeoutMs,
  ).pipe(
    Effect.map((result) => {
      if (result.exitCode === 0) return result.stdout.trim() === "true";
      const problem = classifyDockerStderr(result.stderr, problemContext);
      return problem.kind === "no-container" ? false : problem.kind === "unknown" ? undefined : problem;
    }),
    Effect.orElseSucceed(() => undefined),
  );

  /** skopeo ended by a signal: the container (or the daemon) went away under the push, or skopeo alone was killed. */
  const killed = (exitCode: number) =>
    settledContainerState(containerState).pipe(
      Effect.flatMap((state) =>
        Effect.fail(
          typeof state === "object"
            ? environmentFault(target.strategy, state)
            : environmentFault(target.strategy, { kind: "unknown", ...killedSkopeoProblem({ container: target.container, exitCode, containerRunning: state }) }),
        ),
      ),
    );

  const stop = (ws: Workspace, signal: StopSignal) =>
    runDocker(target.cli, ["exec", target.container, ...stopCommand(ws.skopeoPath, signal)], target.commandTimeoutMs).pipe(Effect.ignore);

  /** Stops skopeo inside the container, then the `docker exec` client; waits until both are gone. */
  const cancel = (child: ResultPromise, ws: Workspace) =>
    Effect.gen(function* () {
      child.stdin?.end(); // the wrapper's own stop; the stopper below does not depend on it
      yield* stop(ws, "TERM");
      if (yield* waitFor(child, grace.termMs)) return;
      yield* stop(ws, "KILL");
      if (yield* waitFor(child, grace.killMs)) return;
      child.kill("SIGKILL");
      yield* waitFor(child, 1_000);
    });

  return {
    strategy: target.strategy,
    workspace: sharedWorkspace(target.strategy, target.shared).pipe(Effect.tap((ws) => Effect.sync(() => void (workspace = ws)))),
    // A hard link into the shared directory when it is on the archive's file system, else a copy with progress.
    stageArchive: (ws, archivePath, progress) => stageByCopy(target.strategy, ws, archivePath, progress),
    run: (args, options: SkopeoRunOptions = {}): Effect.Effect<SkopeoRunResult, EnvironmentFault> => {
      const ws = workspace;
      if (ws === undefined) return Effect.die(new Error("dockerExecSkopeoHost.run before workspace"));
      const envArgs = Object.entries(options.env ?? {}).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
      // -i, and stdin kept open (never written): when this process ends, however, the docker CLI's stdin ends,
      // and the wrapper in the container stops skopeo and removes the authfile.
      const wrapped = wrappedCommand(ws.skopeoPath, ["skopeo", ...args], { graceSeconds: grace.termMs / 1000, authFile: options.authFile });
      const argv = ["exec", "-i", ...envArgs, target.container, ...wrapped];
      const line = (stream: "stdout" | "stderr") =>
        function* (text: unknown) {
          options.onLine?.(String(text), stream);
          yield text;
        };
      const onBytesRead = options.onBytesRead;
      let stopSampling = () => {};
      return Effect.acquireUseRelease(
        Effect.sync(() => {
          const child = execa(target.cli.path, argv, {
            env: target.cli.env,
            extendEnv: false,
            reject: false,
            stdin: "pipe",
            stdout: { transform: line("stdout") },
            stderr: { transform: line("stderr") },
          });
          if (onBytesRead) stopSampling = sampleContainerSkopeoBytes(ws.skopeoPath, onBytesRead);
          return child;
        }),
        (child) =>
          Effect.promise(() => child).pipe(
            Effect.ensuring(Effect.sync(() => stopSampling())),
            Effect.flatMap((result) => {
              const stdout = String(result.stdout ?? "");
              const stderr = String(result.stderr ?? "");
              if (result.exitCode === undefined) {
                return Effect.fail(environmentFault(target.strategy, { kind: "unknown", reason: `docker exec could not run: ${result.shortMessage}` }, result));
              }
              if (result.exitCode === WRAPPER_NO_WORKSPACE_EXIT || result.exitCode === WRAPPER_CANCELLED_EXIT) {
                return Effect.fail(
                  environmentFault(target.strategy, {
                    kind: "unknown",
                    reason: `the push's workspace ${ws.skopeoPath} is not there inside container ${target.container}; the shared directory is not mounted as it was when the strategy checked it`,
                    fix: `docker restart ${target.container}`,
                  }),
                );
              }
              if (result.exitCode !== 0) {
                // A failure of docker itself (daemon gone, container stopped under the push) is not skopeo's.
                const problem = classifyDockerStderr(stderr, problemContext);
                if (problem.kind !== "unknown") return Effect.fail(environmentFault(target.strategy, problem));
                if (result.exitCode >= SIGNAL_EXIT_BASE) return killed(result.exitCode);
              }
              return Effect.succeed({ exitCode: result.exitCode, stdout, stderr });
            }),
          ),
        (child, exit) => {
          stopSampling();
          return Exit.isSuccess(exit) || child.exitCode !== null ? Effect.void : cancel(child, ws);
        },
      );
    },
  };
};
