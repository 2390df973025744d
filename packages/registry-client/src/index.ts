export { basicAuthorization } from "./auth/basic.js";
export { checkCredentials, type CredentialsCheckTarget, type CredentialsVerdict } from "./auth/credentials-check.js";
export { pushScopes, repositoryScope } from "./auth/scope.js";
export { refreshMargin, TokenCache, type CachedToken, type TokenKey } from "./auth/token-cache.js";
export { parseRealm, requestToken, tokenOf, type BearerChallenge, type TokenAnswer, type TokenRequest } from "./auth/token-fetch.js";
export { parseWwwAuthenticate, type AuthChallenge } from "./auth/www-authenticate.js";
export {
  classifyBodySource,
  classifyRegistryTransport,
  classifyResponse,
  type RegistryCallContext,
  type RegistryOperation,
} from "./classify/classify-response.js";
export { classifyTransport, type TransportContext } from "./classify/classify-transport.js";
export { errorCodes, parseRegistryErrorBody, retryAfterMs, type RegistryErrorBody, type RegistryErrorEntry } from "./classify/error-body.js";
export { NOT_TLS_CODES, TLS_CERTIFICATE_CODES } from "./classify/tls-error-codes.js";
export { credentialsWithheld, mayCarryCredentials, type LoopbackCheck } from "./credentials-rule.js";
export { candidateSchemes, hostnameOf, isLoopbackHost } from "./endpoint.js";
export { challengeOf, notARegistryError, pingRegistry, type PingResult, type RegistryAuthScheme } from "./ping.js";
export { RegistryClient, type RegistryCall, type RegistryClientConfig } from "./registry-client.js";
export { CertificatesUnreadable, makeAgents, readCertDir, type AgentSettings, type Agents, type CertDirContents, type TrustSettings } from "./transport/agents.js";
export {
  BodySourceError,
  sendRequest,
  TransportError,
  type HttpBody,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  type TimeoutStage as TransportTimeoutStage,
  type TransportPhase,
  type TransportTimeouts,
} from "./transport/send-request.js";
export {
  DEFAULT_TRANSPORT_TIMEOUTS,
  resolveTransportOptions,
  transportTimeoutsOf,
  Transport,
  type Authorization,
  type ResolvedTransportOptions,
  type TransportOptions,
  type TransportSettings,
} from "./transport/transport.js";
export { acceptedButUnread, describeStored, readStoredManifest, verifyPushed, type ExpectedImage, type StoredManifest } from "./read-back.js";
export { preflightRegistry, readBackPush, readDestination } from "./push-checks.js";
