import { defineStrategy, registerStrategy } from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { REGISTRY_PUSH_OPTIONS, type RegistryPushOptions } from "./registry-push-options.js";
import { RegistryPushStrategy } from "./registry-push-strategy.js";

/** The registry strategy: `registerStrategy(container, registryPushStrategy, options)` appends one to a chain. */
export const registryPushStrategy = defineStrategy<RegistryPushOptions, "registry">({ name: "registry", optionsToken: REGISTRY_PUSH_OPTIONS, create: (options) => new RegistryPushStrategy(options) });

/** Appends the registry strategy to `container`'s chain, with `options` (name included) for this registration alone. */
export const registerRegistryPushStrategy = (container: DependencyContainer, options?: RegistryPushOptions): DependencyContainer => registerStrategy(container, registryPushStrategy, options);
