export { HarborApiStandIn, type ApiCallRecord, type HarborApiStandInOptions } from "./harbor-api-stand-in.js";
export {
  HarborStandInStore,
  type Principal,
  type ProjectRole,
  type RobotAccess,
  type StandInProject,
  type StandInRobot,
  type StandInSeed,
  type StandInSeedRobot,
  type StandInSettings,
  type StandInUser,
} from "./harbor-stand-in-store.js";
export { libtrustKeyId } from "./libtrust-key-id.js";
export { cliSecretAccepted, parseBasicAuth, resolvePrincipal, type RequestIdentity, type TokenCheck } from "./security-context.js";
export { PROJECT_ROBOT_PERMISSIONS } from "./rbac.js";
export { displaySize, overflowMessage } from "./quota.js";
export type { RegistryCallRecord } from "./registry-front.js";
export type { StandInProcessConfig } from "./stand-in-config.js";
export { decodeJwt, RegistryTokenSigner, type RegistryTokenClaims, type TokenAccessEntry } from "./registry-token.js";
export {
  handleTokenRequest,
  HARBOR_TOKEN_ISSUER,
  HARBOR_TOKEN_SERVICE,
  parseScope,
  type StandInResponse,
  type TokenRequestRecord,
  type TokenServiceSettings,
} from "./token-service.js";
