import "reflect-metadata";

export {
  classifyHarborResponse,
  classifyTransportError,
  DEFAULT_ROBOT_NAME_PREFIX,
  ensureProjectFix,
  isRobotName,
  type HarborCallContext,
  type HarborOperation,
} from "./classify-error.js";
export type { EphemeralRobotOptions } from "./ephemeral-robot.js";
export { DEFAULT_HARBOR_TIMEOUT_MS, HarborClient, type HarborClientOptions } from "./harbor-client.js";
export { HarborCredentialsProvider, type HarborCredentialsProviderOptions } from "./harbor-credentials-provider.js";
export type { HarborTlsOptions } from "./harbor-transport.js";
export type { Artifact, CreateRobotRequest, HarborProject, HarborUser, Robot, SystemInfo } from "./harbor-types.js";
export { TokenServiceClient, type RegistryAuth, type TokenServiceClientOptions } from "./token-service-client.js";
export { TokenServiceCredentialsVerifier, type TokenServiceCredentialsVerifierOptions } from "./token-service-verifier.js";
export { parseWwwAuthenticate, type AuthChallenge } from "@skopush/registry-client";
