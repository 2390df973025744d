import { TestEnvironmentError } from "./errors.js";
import { REGISTRY_KINDS, type RegistryKind } from "./registry-kinds.js";
import { SKOPEO_IMAGE } from "./skopeo-image.js";
import type { EnvironmentState, TestRegistry } from "./state.js";

/** The running environment, as tests see it. */
export class TestEnvironment {
  constructor(
    /** Everything `state.json` records. */
    readonly state: EnvironmentState,
  ) {}

  /** The directory holding the state, certificates, storage and logs. */
  get stateDir(): string {
    return this.state.stateDir;
  }

  /** The Docker daemon socket. */
  get dockerSocket(): string {
    return this.state.docker.socket;
  }

  /** The skopeo image for the container strategies. */
  get skopeoImage(): string {
    return this.state.skopeoImage?.name ?? SKOPEO_IMAGE;
  }

  /** The running registries. */
  get registries(): ReadonlyArray<TestRegistry> {
    return REGISTRY_KINDS.flatMap((kind) => {
      const registry = this.state.registries[kind];
      return registry?.pid === undefined ? [] : [registry];
    });
  }

  /** The registry of `kind`; throws when this environment does not run it. */
  registry(kind: RegistryKind): TestRegistry {
    const registry = this.state.registries[kind];
    if (registry?.pid === undefined) {
      throw new TestEnvironmentError({
        step: `registry ${kind}`,
        reason: `not running in the environment in ${this.stateDir}`,
        fix: "run npm run env:up",
      });
    }
    return registry;
  }
}
