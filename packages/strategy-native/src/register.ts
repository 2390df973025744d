import { defineStrategy, registerStrategy } from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { NATIVE_SKOPEO_OPTIONS, type NativeSkopeoOptions } from "./native-skopeo-options.js";
import { NativeSkopeoStrategy } from "./native-skopeo-strategy.js";

/** The native strategy: `registerStrategy(container, nativeSkopeoStrategy, options)` appends one to a chain. */
export const nativeSkopeoStrategy = defineStrategy<NativeSkopeoOptions, "native">({ name: "native", optionsToken: NATIVE_SKOPEO_OPTIONS, create: (options) => new NativeSkopeoStrategy(options) });

/** Appends the native strategy to `container`'s chain, with `options` (name included) for this registration alone. */
export const registerNativeSkopeoStrategy = (container: DependencyContainer, options?: NativeSkopeoOptions): DependencyContainer => registerStrategy(container, nativeSkopeoStrategy, options);
