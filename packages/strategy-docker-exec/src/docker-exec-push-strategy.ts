import * as Effect from "effect/Effect";
import { inject, injectable } from "tsyringe";
import type { ProgressSink, PushError, PushOutcome, PushRequest, PushStrategy, StrategyUnavailable } from "@skopush/core";
import { skopeoCopy } from "@skopush/skopeo";
import {
  DEFAULT_CONTAINER_NAME,
  DEFAULT_PROBE_CACHE_TTL,
  DEFAULT_SKOPEO_IMAGE,
  dockerRunCommand,
  ProbeCache,
  reclassifyForContainerNetwork,
  resolveSharedDirectory,
  type ContainerFacts,
} from "@skopush/skopeo-container";
import { dockerCliEnvironment } from "./docker-cli-environment.js";
import { DOCKER_EXEC_OPTIONS, type DockerExecOptions } from "./docker-exec-options.js";
import { probeDockerExec, type DockerExecTarget } from "./docker-exec-probe.js";
import { dockerExecSkopeoHost, type StopGrace } from "./docker-exec-skopeo-host.js";

/**
 * Pushes with skopeo inside a long-running container, through `docker exec` (the seed tool's preferred
 * method). The archive and the authfile reach the container through the shared directory; skopeo's argv
 * never holds a secret; a cancelled push stops skopeo inside the container too.
 */
@injectable()
export class DockerExecPushStrategy implements PushStrategy {
  readonly name = "docker-exec";
  /** The container, CLI and shared directory this strategy uses. */
  readonly target: DockerExecTarget;
  private readonly grace: StopGrace;
  private readonly probeCache: ProbeCache<ContainerFacts, StrategyUnavailable>;

  constructor(@inject(DOCKER_EXEC_OPTIONS, { isOptional: true }) options: DockerExecOptions = {}) {
    const env = options.env ?? process.env;
    const shared = resolveSharedDirectory(options.sharedDir, env);
    const container = options.containerName ?? DEFAULT_CONTAINER_NAME;
    this.target = {
      strategy: this.name,
      cli: { path: options.dockerPath ?? "docker", env: dockerCliEnvironment(env, options.inheritedEnv) },
      container,
      shared,
      createCommand: dockerRunCommand({
        name: container,
        image: options.image ?? DEFAULT_SKOPEO_IMAGE,
        hostSharedDir: shared.hostPath,
        containerSharedDir: shared.containerPath,
      }),
      commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
    };
    this.grace = { termMs: options.stopGraceMs ?? 5_000, killMs: 2_000 };
    this.probeCache = new ProbeCache(probeDockerExec(this.target), options.probeCacheTtl ?? DEFAULT_PROBE_CACHE_TTL);
  }

  probe(): Effect.Effect<void, StrategyUnavailable> {
    return Effect.asVoid(this.probeCache.get());
  }

  push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    return Effect.gen({ self: this }, function* () {
      const facts = yield* this.probeCache.get();
      const host = dockerExecSkopeoHost(this.target, this.grace);
      return yield* skopeoCopy(host, request, progress).pipe(
        Effect.mapError((error) => reclassifyForContainerNetwork(error, facts, this.name, request.destination.registry)),
        Effect.tapError((error) => (error._tag === "EnvironmentFault" ? Effect.sync(() => this.probeCache.invalidate()) : Effect.void)),
      );
    });
  }
}
