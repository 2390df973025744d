import "reflect-metadata";

export { RegistryPushStrategy } from "./registry-push-strategy.js";
export { registryPushStrategy, registerRegistryPushStrategy } from "./register.js";
export {
  defaultBlobInfoCacheDir,
  REGISTRY_PUSH_OPTIONS,
  resolveRegistryPushOptions,
  type RegistryHttpOptions,
  type RegistryPushOptions,
  type ResolvedRegistryPushOptions,
} from "./registry-push-options.js";
export { AdaptiveGzip, type AdaptiveGzipOptions, type AdaptiveGzipStats } from "./layers/adaptive-gzip.js";
export { BLOB_INFO_CACHE_FILE } from "./blob-info-cache.js";
