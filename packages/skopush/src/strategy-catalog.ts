import type { DependencyContainer } from "tsyringe";
import { registerStrategy, type StrategyDefinition, type StrategyOptions } from "@skopush/core";
import { DEFAULT_STRATEGIES, type DefaultStrategy, type OptionsOf } from "./default-strategies.js";
import type { StrategyName } from "./strategy-names.js";

/** What a catalog entry receives besides the container. */
export interface StrategyRegistrationContext<O> {
  /** The environment the strategies read (`SKOPEO_SHARED_DIR`, `DOCKER_HOST`, `PATH`, `XDG_CACHE_HOME`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The strategy's options; its defaults when absent. */
  readonly options?: O | undefined;
}

/** The options of each default strategy, by name. */
export type StrategyOptionsByName = { [D in DefaultStrategy as D["name"]]: OptionsOf<D> };

/** Registers one strategy under `PUSH_STRATEGY`. */
export type StrategyRegistrar<O> = (container: DependencyContainer, context: StrategyRegistrationContext<O>) => void;

/** How each default strategy is registered. */
export type StrategyCatalog = { readonly [K in StrategyName]: StrategyRegistrar<StrategyOptionsByName[K]> };

type WithEnv = StrategyOptions & { readonly env?: Readonly<Record<string, string | undefined>> | undefined };

/**
 * The real strategies: each of {@link DEFAULT_STRATEGIES} registered with its options and the environment
 * (every strategy's `env` is the environment it reads).
 */
export const defaultStrategyCatalog: StrategyCatalog = Object.fromEntries(
  DEFAULT_STRATEGIES.map((definition) => [
    definition.name,
    ((container, { env, options }) =>
      void registerStrategy(container, definition as StrategyDefinition<WithEnv>, { env, ...options })) satisfies StrategyRegistrar<WithEnv>,
  ]),
) as unknown as StrategyCatalog;
