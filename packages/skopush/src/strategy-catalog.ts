import type { DependencyContainer } from "tsyringe";
import type { StrategyName } from "./strategy-names.js";

/** What a catalog entry receives besides the container. */
export interface StrategyRegistrationContext<O> {
  /** The environment the strategy reads (`SKOPEO_SHARED_DIR`, `DOCKER_HOST`, `PATH`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The strategy's options; its defaults when absent. */
  readonly options?: O | undefined;
}

/** The options of each default strategy. */
export interface StrategyOptionsByName {
  "docker-exec": object;
  dockerode: object;
  native: object;
  registry: object;
}

/** Registers one strategy under `PUSH_STRATEGY`. */
export type StrategyRegistrar<O> = (container: DependencyContainer, context: StrategyRegistrationContext<O>) => void;

/** How each default strategy is registered. */
export type StrategyCatalog = { readonly [K in StrategyName]: StrategyRegistrar<StrategyOptionsByName[K]> };

/** The real strategies, each through its package's registration function. */
export const defaultStrategyCatalog: StrategyCatalog = {
  "docker-exec": () => {
    throw new Error("WIP");
  },
  dockerode: () => {
    throw new Error("WIP");
  },
  native: () => {
    throw new Error("WIP");
  },
  registry: () => {
    throw new Error("WIP");
  },
};
