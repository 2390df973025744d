import * as Effect from "effect/Effect";
import { settingPhrase, type StrategyUnavailable } from "@skopush/core";
import {
  checkSharedMount,
  hostRealPath,
  probeCommand,
  probeExitProblem,
  probeMarker,
  trustedSharedDirectory,
  type ContainerFacts,
  type ProbeMarker,
} from "@skopush/skopeo-container";
import { classifyDockerApiError, unavailable } from "./classify-error.js";
import type { ResolvedDockerodeOptions } from "./dockerode-options.js";
import type { Transfer } from "./dockerode-skopeo-host.js";
import type { SkopeoContainerManager } from "./skopeo-container-manager.js";

/** What a successful probe learnt: the container's facts and how the archive will reach it. */
export interface DockerodeProbeResult {
  readonly facts: ContainerFacts;
  readonly transfer: Transfer;
}

/** What the probe needs. */
export interface DockerodeProbeTarget {
  readonly strategy: string;
  readonly manager: SkopeoContainerManager;
  readonly options: ResolvedDockerodeOptions;
  readonly pingTimeoutMs: number;
}

/**
 * Pings the daemon (bounded by `pingTimeoutMs`, so a dead daemon is reported at once), finds the
 * container (creating or starting it when `autoCreate`/`autoStart` say so), decides how the archive
 * will reach it (the shared directory when it is mounted and live, else an upload, per `transfer`),
 * and checks that a shell and skopeo answer inside it.
 */
export const probeDockerode = (target: DockerodeProbeTarget): Effect.Effect<DockerodeProbeResult, StrategyUnavailable> =>
  Effect.gen(function* () {
    const { manager, options, strategy } = target;
    const context = manager.context;
    const docker = manager.docker;
    const name = manager.name;
    const fail = (reason: string, fix?: string, cause?: unknown) => Effect.fail(unavailable(strategy, { reason, fix }, cause));

    yield* Effect.tryPromise({ try: () => docker.ping(target.pingTimeoutMs), catch: (cause) => cause }).pipe(
      Effect.catch((cause) => fail(classifyDockerApiError(cause, context).reason, classifyDockerApiError(cause, context).fix, cause)),
    );
    let status = yield* manager.status().pipe(Effect.catch((error) => fail(error.reason, error.fix, error)));
    if (status.state === "missing") {
      if (!options.autoCreate) {
        const autoCreate = settingPhrase("autoCreate");
        return yield* fail(`container ${name} does not exist`, `create it: ${manager.createCommand}${autoCreate ? ` (${autoCreate})` : ""}`);
      }
      yield* manager.ensure().pipe(Effect.catch((error) => fail(error.reason, error.fix, error)));
      status = yield* manager.status().pipe(Effect.catch((error) => fail(error.reason, error.fix, error)));
    }
    if (status.state === "missing") return yield* fail(`container ${name} does not exist`, `create it: ${manager.createCommand}`);
    if (status.state === "paused") return yield* fail(`container ${name} is paused`, `docker unpause ${name}`);
    let facts = status.facts;
    if (status.state === "stopped") {
      if (!options.autoStart) return yield* fail(`container ${name} is ${facts.status}, not running`, `docker start ${name} (or set autoStart)`);
      facts = yield* manager.start().pipe(Effect.catch((error) => fail(error.reason, error.fix, error)));
    }

    const mode = options.transfer;
    const shared = manager.shared;
    const mount = mode === "upload" ? undefined : checkSharedMount(facts, shared, { hostRealPath: yield* hostRealPath(shared), recreate: manager.recreateCommand });
    if (mount && !mount.mounted && mode === "shared-directory") return yield* fail(mount.reason, mount.fix);

    const check = (marker: ProbeMarker | undefined, require: ReadonlyArray<string>) =>
      Effect.tryPromise({
        try: async () => {
          let output = "";
          const handle = await docker.exec(name, probeCommand({ marker, require }), [], (chunk) => (output += chunk.toString("utf8")));
          return { exitCode: await handle.exited, output };
        },
        catch: (cause) => cause,
      }).pipe(
        Effect.catch((cause) => {
          const problem = classifyDockerApiError(cause, context);
          return fail(problem.reason, problem.fix, cause);
        }),
      );
    const exitContext = { container: name, shared, createCommand: manager.createCommand };
    const explain = (exitCode: number, output: string) =>
      probeExitProblem(exitCode, exitContext, output) ?? classifyDockerApiError(new Error(output.trim() || `exit code ${exitCode}`), context);

    if (mount?.mounted) {
      // The container mounts the shared directory: pushes would go through it, so it must be this user's alone.
      yield* trustedSharedDirectory(shared).pipe(Effect.catch((refusal) => fail(refusal.reason, refusal.fix)));
      const live = yield* Effect.scoped(
        Effect.gen(function* () {
          const marker = yield* probeMarker(shared).pipe(Effect.catch((problem) => fail(problem.reason, problem.fix)));
          return yield* check(marker, []);
        }),
      );
      if (live.exitCode === 0) return { facts, transfer: { kind: "shared-directory", shared } };
      const problem = explain(live.exitCode, live.output);
      const markerProblem = live.exitCode === 3 || live.exitCode === 4;
      if (!markerProblem || mode === "shared-directory") return yield* fail(problem.reason, problem.fix);
    }
    const uploadCheck = yield* check(undefined, ["rm"]);
    if (uploadCheck.exitCode !== 0) {
      const problem = explain(uploadCheck.exitCode, uploadCheck.output);
      return yield* fail(problem.reason, problem.fix);
    }
    return { facts, transfer: { kind: "upload", parent: options.uploadDir } };
  });
