export { HarborApiStandIn, type ApiCallRecord, type HarborApiStandInOptions } from "./harbor-api-stand-in.js";
export {
  HarborStandInStore,
  type AuthContext,
  type Principal,
  type ProjectRole,
  type RobotAccess,
  type StandInProject,
  type StandInRobot,
  type StandInSeed,
  type StandInSettings,
  type StandInUser,
} from "./harbor-stand-in-store.js";
export { libtrustKeyId } from "./libtrust-key-id.js";
export type { StandInProcessConfig } from "./stand-in-config.js";
export { decodeJwt, RegistryTokenSigner, type RegistryTokenClaims, type TokenAccessEntry } from "./registry-token.js";
export {
  handleTokenRequest,
  HARBOR_TOKEN_ISSUER,
  HARBOR_TOKEN_SERVICE,
  parseBasicAuth,
  parseScope,
  type StandInResponse,
  type TokenRequestRecord,
  type TokenServiceSettings,
} from "./token-service.js";
