export {
  environmentStatus,
  installTools,
  loadTestEnvironment,
  startTestEnvironment,
  stopTestEnvironment,
  type RegistryStatus,
  type StartedParts,
  type StartedTestEnvironment,
  type StartTestEnvironmentOptions,
  type StopTestEnvironmentOptions,
} from "./environment.js";
export { resetRegistryStorage, restartRegistry, stopRegistry } from "./registry-operations.js";
export { pushSettingsFor, testPushRequest } from "./push-settings.js";
export { TestEnvironment } from "./test-environment.js";
export { DOCKER_SOCKET, type DockerState } from "./dockerd.js";
export { TestEnvironmentError } from "./errors.js";
export {
  HARBOR_ISSUER,
  HARBOR_SERVICE,
  type HarborStandInAccounts,
  type HarborStandInState,
} from "./harbor-stand-in.js";
export { startHarborStandInBeside } from "./harbor-stand-in-beside.js";
export { ROBOT_USERNAME, type RegistryCredentials } from "./htpasswd.js";
export { hostSkopeoPush, type HostSkopeoPush, type HostSkopeoPushResult } from "./host-skopeo-push.js";
export { REQUIRED_TOOLS, type ToolName, type Tools } from "./install.js";
export { findLocalUser, OTHER_USER_NAME, type LocalUser } from "./other-user.js";
export { resolveStateDir, STATE_DIR_ENV, type EnvironmentOptions } from "./paths.js";
export {
  AUTHORIZERS,
  bearerAuthorizer,
  parseChallenges,
  type AuthChallenge,
  type Authorizer,
  type AuthorizerContext,
} from "./registry-auth.js";
export {
  blobExists,
  listTags,
  MANIFEST_MEDIA_TYPES,
  pingRegistry,
  readManifest,
  registryRequest,
  RegistryCheckFailed,
  sha256Digest,
  type ManifestJson,
  type ManifestRead,
  type RegistryEndpoint,
  type RegistryRequest,
  type RegistryResponse,
} from "./registry-client.js";
export { isRegistryKind, REGISTRY_KIND_SPECS, REGISTRY_KINDS, type RegistryKind, type RegistryKindSpec } from "./registry-kinds.js";
export {
  SKOPEO_IMAGE,
  SKOPEO_IMAGE_CMD,
  SKOPEO_IMAGE_REVISION,
  SKOPEO_IMAGE_REVISION_LABEL,
  SKOPEO_VERSION_LABEL,
  type SkopeoImageState,
} from "./skopeo-image.js";
export type { EnvironmentState, TestRegistry } from "./state.js";
export {
  API_KEY_EXCHANGE_PATH,
  startApiKeyRegistry,
  type ApiKeyRegistry,
  type ApiKeyRegistryOptions,
  type ApiKeyRegistryRecords,
} from "./api-key-registry.js";
