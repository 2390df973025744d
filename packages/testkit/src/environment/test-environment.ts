import { TestEnvironmentError } from "./errors.js";
import { harborStandInRecords, harborStandInRobots, type HarborStandInState } from "./harbor-stand-in.js";
import { REGISTRY_KINDS, type RegistryKind } from "./registry-kinds.js";
import { SKOPEO_IMAGE } from "./skopeo-image.js";
import type { LocalUser } from "./other-user.js";
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

  /** The second local user (not root, not us) that trust-boundary tests act as; throws when the state has none. */
  get otherUser(): LocalUser {
    const user = this.state.otherUser;
    if (user === undefined) {
      throw new TestEnvironmentError({ step: "second user", reason: `the environment in ${this.stateDir} has no second user`, fix: "run npm run env:up (as root, or create the user it names)" });
    }
    return user;
  }

  /** The HarborApiStandIn (Harbor URL, CA, accounts, project) the `token` registry trusts; throws when it does not run. */
  get harbor(): HarborStandInState {
    const harbor = this.state.harbor;
    if (harbor?.pid === undefined) {
      throw new TestEnvironmentError({ step: "harbor stand-in", reason: `not running in the environment in ${this.stateDir}`, fix: "run npm run env:up" });
    }
    return harbor;
  }

  /**
   * The Harbor stand-in as a registry: `https://<stand-in>/v2/*` is Harbor's core in front of the `token`
   * registry (its storage, log and config), so pushes meet Harbor's own answers (project not found, quota,
   * …). Same CA; pushes as the environment's robot unless told otherwise.
   */
  harborRegistry(): TestRegistry {
    const harbor = this.harbor;
    const url = new URL(harbor.url);
    return { ...this.registry("token"), host: url.host, port: Number(url.port), url: harbor.url, scheme: "https" };
  }

  /** What the Harbor stand-in recorded: REST calls, token requests and `/v2/*` requests (never passwords). */
  harborRecords() {
    return harborStandInRecords(this.harbor);
  }

  /** The robot accounts the Harbor stand-in holds now. */
  harborRobots() {
    return harborStandInRobots(this.harbor);
  }
}
