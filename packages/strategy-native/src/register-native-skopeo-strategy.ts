import { registerStrategy } from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { NATIVE_SKOPEO_OPTIONS, type NativeSkopeoOptions } from "./native-skopeo-options.js";
import { NativeSkopeoStrategy } from "./native-skopeo-strategy.js";

/** Appends the native strategy to `container`'s chain, with `options` when given. */
export const registerNativeSkopeoStrategy = (container: DependencyContainer, options?: NativeSkopeoOptions): DependencyContainer => {
  if (options !== undefined) container.register<NativeSkopeoOptions>(NATIVE_SKOPEO_OPTIONS, { useValue: options });
  return registerStrategy(container, NativeSkopeoStrategy);
};
