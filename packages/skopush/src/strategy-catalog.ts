import type { DependencyContainer } from "tsyringe";
import { registerDockerExecStrategy, type DockerExecOptions } from "@skopush/strategy-docker-exec";
import { registerDockerodeStrategy, type DockerodeOptions } from "@skopush/strategy-dockerode";
import { registerNativeSkopeoStrategy, type NativeSkopeoOptions } from "@skopush/strategy-native";
import { registerRegistryPushStrategy, type RegistryPushOptions } from "@skopush/strategy-registry";
import type { StrategyName } from "./strategy-names.js";

/** What a catalog entry receives besides the container. */
export interface StrategyRegistrationContext<O> {
  /** The environment the container strategies read (`SKOPEO_SHARED_DIR`, `DOCKER_HOST`, `PATH`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The strategy's options; its defaults when absent. */
  readonly options?: O | undefined;
}

/** The options of each default strategy. */
export interface StrategyOptionsByName {
  "docker-exec": DockerExecOptions;
  dockerode: DockerodeOptions;
  native: NativeSkopeoOptions;
  registry: RegistryPushOptions;
}

/** Registers one strategy under `PUSH_STRATEGY`. */
export type StrategyRegistrar<O> = (container: DependencyContainer, context: StrategyRegistrationContext<O>) => void;

/** How each default strategy is registered. */
export type StrategyCatalog = { readonly [K in StrategyName]: StrategyRegistrar<StrategyOptionsByName[K]> };

/**
 * The real strategies, each through its package's registration function. The container strategies get
 * the environment; the native strategy's `env` means variables *added* to skopeo's, so it keeps its own
 * allow-list of inherited variables and is given none.
 */
export const defaultStrategyCatalog: StrategyCatalog = {
  "docker-exec": (container, { env, options }) => void registerDockerExecStrategy(container, { env, ...options }),
  dockerode: (container, { env, options }) => void registerDockerodeStrategy(container, { env, ...options }),
  native: (container, { options }) => void registerNativeSkopeoStrategy(container, options),
  registry: (container, { options }) => void registerRegistryPushStrategy(container, options),
};
