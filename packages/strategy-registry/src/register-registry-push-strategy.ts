import { registerStrategy } from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { REGISTRY_PUSH_OPTIONS, type RegistryPushOptions } from "./registry-push-options.js";
import { RegistryPushStrategy } from "./registry-push-strategy.js";

/**
 * Registers the `registry` strategy in `container` (appended to the chain: strategies are tried in
 * registration order), with `options` when given.
 */
export const registerRegistryPushStrategy = (container: DependencyContainer, options?: RegistryPushOptions): DependencyContainer => {
  if (options !== undefined) container.register<RegistryPushOptions>(REGISTRY_PUSH_OPTIONS, { useValue: options });
  return registerStrategy(container, RegistryPushStrategy);
};
