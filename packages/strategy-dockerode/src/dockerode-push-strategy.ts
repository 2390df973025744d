import * as Effect from "effect/Effect";
import { inject, injectable } from "tsyringe";
import { ProbeCache, type ProgressSink, type PushError, type PushOutcome, type PushRequest, type PushStrategy, type StrategyUnavailable, type Unsupported } from "@skopush/core";
import { skopeoSupports } from "@skopush/skopeo";
import { containerSkopeoCopy } from "@skopush/skopeo-container";
import { defaultPingTimeoutMs, DOCKERODE_OPTIONS, resolveDockerodeOptions, type DockerodeOptions, type ResolvedDockerodeOptions } from "./dockerode-options.js";
import { probeDockerode, type DockerodeProbeResult } from "./dockerode-probe.js";
import { dockerodeSkopeoHost } from "./dockerode-skopeo-host.js";
import { SkopeoContainerManager } from "./skopeo-container-manager.js";

/**
 * Pushes with skopeo inside the resident container through the Docker Engine API (dockerode): no docker
 * CLI needed, `DOCKER_HOST` honoured as the CLI does, and the archive reaches the container through the
 * shared directory or, when the container does not mount it, by streaming it in with `putArchive`.
 */
@injectable()
export class DockerodePushStrategy implements PushStrategy {
  readonly name: string;
  readonly description: string;
  /** The options in force, the strategy's defaults applied. */
  readonly options: ResolvedDockerodeOptions;
  /** The manager of the resident container this strategy pushes through. */
  readonly manager: SkopeoContainerManager;
  private readonly probeCache: ProbeCache<DockerodeProbeResult, StrategyUnavailable>;

  constructor(@inject(DOCKERODE_OPTIONS, { isOptional: true }) options?: DockerodeOptions) {
    this.options = resolveDockerodeOptions(options);
    this.name = this.options.name;
    this.manager = new SkopeoContainerManager(this.options);
    this.description = `skopeo in container ${this.manager.name}, through the Docker Engine API at ${this.manager.docker.endpoint}`;
    this.probeCache = new ProbeCache(
      probeDockerode({ strategy: this.name, manager: this.manager, options: this.options, pingTimeoutMs: this.options.pingTimeoutMs ?? defaultPingTimeoutMs(this.manager.docker.endpoint) }),
      this.options.probeCacheTtl,
    );
  }

  /** Every request but `compression: "none"`, which skopeo cannot write to a registry. */
  supports(request: PushRequest): true | Unsupported {
    return skopeoSupports(request);
  }

  probe(): Effect.Effect<void, StrategyUnavailable> {
    return Effect.asVoid(this.probeCache.get());
  }

  push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    return Effect.gen({ self: this }, function* () {
      const { facts, transfer } = yield* this.probeCache.get();
      const host = dockerodeSkopeoHost({
        strategy: this.name,
        docker: this.manager.docker,
        container: this.manager.name,
        context: this.manager.context,
        transfer,
        stopGraceMs: this.options.stopGraceMs,
      });
      return yield* containerSkopeoCopy(host, request, progress, facts, this.probeCache.invalidate());
    });
  }
}
