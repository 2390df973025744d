/**
 * Dependency-injection tokens. `Symbol.for` keeps them equal across duplicated copies of this package
 * in one process.
 */

/** Every `PushStrategy`, registered in priority order; the chain tries them in that order. */
export const PUSH_STRATEGY = Symbol.for("@skopush/core/PushStrategy");

/** Every `CredentialsProvider`, registered in priority order; the first answer wins. */
export const CREDENTIALS_PROVIDER = Symbol.for("@skopush/core/CredentialsProvider");

/** Optional `FallbackChainOptions` for the chain resolved from a container. */
export const FALLBACK_CHAIN_OPTIONS = Symbol.for("@skopush/core/FallbackChainOptions");

/** Every `CredentialsVerifier`, asked in order when a push with credentials ends in `AccessDenied`. */
export const CREDENTIALS_VERIFIER = Symbol.for("@skopush/core/CredentialsVerifier");
