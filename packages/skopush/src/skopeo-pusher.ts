import * as Effect from "effect/Effect";
import { FallbackChain } from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { createDefaultContainer, type Environment } from "./default-container.js";
import { seedPush, strategiesForMethods } from "./seed-push.js";
import type { SeedPushResult, SeedPushTarget } from "./seed-types.js";

/** The resident container's name when none is given, as in the seed tool. */
export const DEFAULT_CONTAINER_NAME = "skopeo-service";

/** Options of {@link SkopeoPusher}. */
export interface SkopeoPusherOptions {
  /** Push with skopeo in the resident container (`docker`); `false` uses the host's skopeo (`native`). @default true */
  readonly useDocker?: boolean | undefined;
  /** The resident container. @default "skopeo-service" */
  readonly containerName?: string | undefined;
  /** The host side of the shared directory. @default $SKOPEO_SHARED_DIR, else "/tmp/geoml-skopeo" */
  readonly sharedDir?: string | undefined;
  /** @default process.env */
  readonly env?: Environment | undefined;
  /** Use this container's strategies (picked by name) instead of building the default one. */
  readonly container?: DependencyContainer | undefined;
}

/** The seed tool's `SkopeoPusher`: one method, no fallback to the other. */
export class SkopeoPusher {
  private readonly container: DependencyContainer;
  readonly useDocker: boolean;
  readonly containerName: string;

  constructor(options: SkopeoPusherOptions = {}) {
    this.useDocker = options.useDocker ?? true;
    this.containerName = options.containerName ?? DEFAULT_CONTAINER_NAME;
    const resident = { containerName: this.containerName, sharedDir: options.sharedDir === undefined ? undefined : { hostPath: options.sharedDir } };
    this.container =
      options.container ??
      createDefaultContainer({
        env: options.env,
        order: this.useDocker ? ["docker-exec", "dockerode"] : ["native"],
        strategies: { "docker-exec": resident, dockerode: resident },
      });
  }

  private strategies() {
    return strategiesForMethods(this.container, [this.useDocker ? "docker" : "native"]);
  }

  /** True when this pusher's method can run here now: the container runs and has skopeo, or the host has skopeo. */
  async checkSkopeoAvailable(): Promise<boolean> {
    const reports = await Effect.runPromise(new FallbackChain(this.strategies()).probeAll());
    return reports.some((report) => report.available);
  }

  /** Pushes `target` with this pusher's method; resolves `{ status, image, method, message, digest, attempts }`. */
  pushFromTar(target: SeedPushTarget): Promise<SeedPushResult> {
    return seedPush(this.container, this.strategies(), target);
  }
}
