import * as Effect from "effect/Effect";
import type { StrategyUnavailable } from "@skopush/core";
import {
  checkSharedMount,
  hostRealPath,
  parseContainerInspect,
  probeCommand,
  probeExitProblem,
  probeMarker,
  trustedSharedDirectory,
  type ContainerFacts,
  type SharedDirectory,
} from "@skopush/skopeo-container";
import { classifyDockerCliError, classifyDockerStderr, unavailable } from "./classify-error.js";
import { runDocker, type DockerCli } from "./docker-cli.js";

/** The resident container as the docker-exec strategy reaches it. */
export interface DockerExecTarget {
  readonly strategy: string;
  readonly cli: DockerCli;
  readonly container: string;
  readonly shared: SharedDirectory;
  /** How to create the container, for fixes, in the caller's terms (a `docker run` line, or `skopush service create …`). */
  readonly createCommand: string;
  /** How to replace it (a wrong mount), in the caller's terms. */
  readonly recreateCommand: string;
  /** Time limit of each docker command the probe runs. */
  readonly commandTimeoutMs: number;
}

/** `docker container inspect` of the resident container, as facts. */
export const inspectContainer = (target: DockerExecTarget): Effect.Effect<ContainerFacts, StrategyUnavailable> =>
  Effect.gen(function* () {
    const context = { container: target.container, createCommand: target.createCommand };
    const result = yield* runDocker(target.cli, ["container", "inspect", "--format", "{{json .}}", target.container], target.commandTimeoutMs).pipe(
      Effect.mapError((error) => unavailable(target.strategy, classifyDockerCliError(error), error)),
    );
    if (result.exitCode !== 0) return yield* Effect.fail(unavailable(target.strategy, classifyDockerStderr(result.stderr, context)));
    return yield* Effect.try({
      try: () => parseContainerInspect(JSON.parse(result.stdout)),
      catch: (cause) => unavailable(target.strategy, { kind: "unknown", reason: `docker container inspect printed something that is not JSON: ${result.stdout.slice(0, 200)}` }, cause),
    });
  });

/**
 * Checks, in order, that the docker CLI runs, the daemon answers, the container exists and runs, the
 * shared directory is this user's alone (created 0700 when missing), the container mounts it writable,
 * sees a file just written there, has a shell, and that skopeo answers in it. Each failure is a `StrategyUnavailable` naming the fix. Answers the container's facts.
 */
export const probeDockerExec = (target: DockerExecTarget): Effect.Effect<ContainerFacts, StrategyUnavailable> =>
  Effect.gen(function* () {
    const facts = yield* inspectContainer(target);
    if (!facts.running) {
      const paused = facts.status === "paused";
      return yield* Effect.fail(
        unavailable(target.strategy, {
          kind: paused ? "paused" : "not-running",
          reason: `container ${target.container} is ${facts.status}, not running`,
          fix: paused ? `docker unpause ${target.container}` : `docker start ${target.container}`,
        }),
      );
    }
    yield* trustedSharedDirectory(target.shared).pipe(Effect.mapError((refusal) => unavailable(target.strategy, { kind: "unknown", ...refusal })));
    const mount = checkSharedMount(facts, target.shared, { hostRealPath: yield* hostRealPath(target.shared), recreate: target.recreateCommand });
    if (!mount.mounted) return yield* Effect.fail(unavailable(target.strategy, { kind: "unknown", reason: mount.reason, fix: mount.fix }));
    yield* Effect.scoped(
      Effect.gen(function* () {
        const marker = yield* probeMarker(target.shared).pipe(
          Effect.mapError((problem) => unavailable(target.strategy, { kind: "unknown", ...problem })),
        );
        const result = yield* runDocker(target.cli, ["exec", target.container, ...probeCommand({ marker })], target.commandTimeoutMs).pipe(
          Effect.mapError((error) => unavailable(target.strategy, classifyDockerCliError(error), error)),
        );
        if (result.exitCode === 0) return;
        const problem =
          probeExitProblem(result.exitCode, { container: target.container, shared: target.shared, createCommand: target.createCommand }, result.stdout) ??
          classifyDockerStderr(result.stderr, { container: target.container, createCommand: target.createCommand });
        return yield* Effect.fail(unavailable(target.strategy, { kind: "unknown", ...problem }));
      }),
    );
    return facts;
  });
