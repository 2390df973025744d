import "reflect-metadata";

export {
  createDefaultContainer,
  type DefaultContainerOptions,
  type DefaultHarborOptions,
  type Environment,
  type ExtraStrategy,
  type StrategySettings,
} from "./default-container.js";
export { reapDeadPushTemporaries, TEMP_DIRECTORY_BASES } from "./dead-temporaries.js";
export { harborImageReference, harborImageReferenceOrThrow, type HarborImageParts } from "./harbor-reference.js";
export { progressCallbackSink, type ProgressCallback } from "./progress-callback.js";
export { pushImage, type DefaultPushImageOptions } from "./push-image.js";
export {
  defaultStrategyCatalog,
  type StrategyCatalog,
  type StrategyOptionsByName,
  type StrategyRegistrar,
  type StrategyRegistrationContext,
} from "./strategy-catalog.js";
export { DEFAULT_STRATEGY_ORDER, isStrategyName, STRATEGY_NAMES, type StrategyName } from "./strategy-names.js";
export { DEFAULT_STRATEGIES, type DefaultStrategy, type OptionsOf } from "./default-strategies.js";
export { SEED_METHOD_STRATEGIES, seedMethodOf, type SeedMethod } from "./seed-method.js";
export { seedMethods, skopeoPushToHarbor } from "./skopeo-push-to-harbor.js";
export { DEFAULT_CONTAINER_NAME, SkopeoPusher, type SkopeoPusherOptions } from "./skopeo-pusher.js";
export type { SeedPushError, SeedPushResult, SeedPushSuccess, SeedPushTarget, SkopeoPushToHarborOptions } from "./seed-types.js";
// The front door: everything composing needs, so `skopush` is the one package an app installs.
export * from "@skopush/core";
export { defaultCredentialsProviders, type DefaultCredentialsProvidersOptions } from "@skopush/credentials-docker";
export { HarborCredentialsProvider, TokenServiceCredentialsVerifier, type HarborCredentialsProviderOptions } from "@skopush/credentials-harbor";
export { DOCKER_EXEC_OPTIONS, dockerExecStrategy, registerDockerExecStrategy, type DockerExecOptions } from "@skopush/strategy-docker-exec";
export { DOCKERODE_OPTIONS, dockerodeStrategy, registerDockerodeStrategy, type DockerodeOptions } from "@skopush/strategy-dockerode";
export { NATIVE_SKOPEO_OPTIONS, nativeSkopeoStrategy, registerNativeSkopeoStrategy, type NativeSkopeoOptions } from "@skopush/strategy-native";
export { REGISTRY_PUSH_OPTIONS, registerRegistryPushStrategy, registryPushStrategy, type RegistryPushOptions } from "@skopush/strategy-registry";
export { loadPlan } from "./push-many/load-plan.js";
export { parsePlan } from "./push-many/parse-plan.js";
export { PlanInvalid } from "./push-many/plan-invalid.js";
export type { PlanItem, PushPlan } from "./push-many/push-plan.js";
export { parseShard, shardOf, type Shard } from "./push-many/shard.js";
export { DEFAULT_PUSH_MANY_CONCURRENCY, pushMany, type PushManyOptions, type PushManyProgress } from "./push-many/push-many.js";
export type { PushManyItemReport, PushManyReport, PushManyTotals } from "./push-many/push-many-report.js";
