import * as Effect from "effect/Effect";
import { inject, injectable } from "tsyringe";
import { ProbeCache, type ProgressSink, type PushError, type PushOutcome, type PushRequest, type PushStrategy, type StrategyUnavailable, type Unsupported } from "@skopush/core";
import { skopeoSupports } from "@skopush/skopeo";
import {
  containerSkopeoCopy,
  createContainerFix,
  recreateContainerFix,
  type ResidentContainerSpec,
  resolveSharedDirectory,
  type ContainerFacts,
} from "@skopush/skopeo-container";
import { dockerCliEnvironment } from "./docker-cli-environment.js";
import { DOCKER_EXEC_OPTIONS, resolveDockerExecOptions, type DockerExecOptions, type ResolvedDockerExecOptions } from "./docker-exec-options.js";
import { probeDockerExec, type DockerExecTarget } from "./docker-exec-probe.js";
import { dockerExecSkopeoHost, type StopGrace } from "./docker-exec-skopeo-host.js";

/** How to create and recreate the container, in the caller's terms (built where the strategy is made, for its messages). */
const residentFixes = (spec: ResidentContainerSpec) => ({ createCommand: createContainerFix(spec), recreateCommand: recreateContainerFix(spec) });

/**
 * Pushes with skopeo inside a long-running container, through `docker exec` (the seed tool's preferred
 * method). The archive and the authfile reach the container through the shared directory; skopeo's argv
 * never holds a secret; a cancelled push stops skopeo inside the container too.
 */
@injectable()
export class DockerExecPushStrategy implements PushStrategy {
  readonly name: string;
  readonly description: string;
  /** The options in force, defaults applied. */
  readonly options: ResolvedDockerExecOptions;
  /** The container, CLI and shared directory this strategy uses. */
  readonly target: DockerExecTarget;
  private readonly grace: StopGrace;
  private readonly probeCache: ProbeCache<ContainerFacts, StrategyUnavailable>;

  constructor(@inject(DOCKER_EXEC_OPTIONS, { isOptional: true }) options?: DockerExecOptions) {
    const o = (this.options = resolveDockerExecOptions(options));
    this.name = o.name;
    const shared = resolveSharedDirectory(o.sharedDir, o.env);
    this.target = {
      strategy: this.name,
      cli: { path: o.dockerPath, env: dockerCliEnvironment(o.env, o.inheritedEnv) },
      container: o.containerName,
      shared,
      ...residentFixes({
        name: o.containerName,
        image: o.image,
        hostSharedDir: shared.hostPath,
        containerSharedDir: shared.containerPath,
        // As skopush service create and the dockerode strategy make it: on the host network, so skopeo
        // reaches registries on this machine's loopback.
        networkMode: "host",
      }),
      commandTimeoutMs: o.commandTimeoutMs,
    };
    this.description = `skopeo in container ${o.containerName}`;
    this.grace = { termMs: o.stopGraceMs, killMs: 2_000 };
    this.probeCache = new ProbeCache(probeDockerExec(this.target), o.probeCacheTtl);
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
      const facts = yield* this.probeCache.get();
      const host = dockerExecSkopeoHost(this.target, this.grace);
      return yield* containerSkopeoCopy(host, request, progress, facts, this.probeCache.invalidate());
    });
  }
}
