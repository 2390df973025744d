import "reflect-metadata";

export { NATIVE_WORKSPACE_PREFIX, NativeSkopeoHost } from "./native-skopeo-host.js";
export {
  DEFAULT_INHERITED_ENV,
  NATIVE_PROBE_CACHE_TTL,
  NATIVE_SKOPEO_OPTIONS,
  resolveNativeSkopeoOptions,
  skopeoEnvironment,
  type NativeSkopeoOptions,
  type ResolvedNativeSkopeoOptions,
} from "./native-skopeo-options.js";
export { NativeSkopeoStrategy } from "./native-skopeo-strategy.js";
export { installSkopeo, probeSkopeo } from "./probe-skopeo.js";
export { processBytesRead } from "@skopush/skopeo";
export { nativeSkopeoStrategy, registerNativeSkopeoStrategy } from "./register.js";
