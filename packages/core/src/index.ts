import "reflect-metadata";

export type { Attempt, AttemptOutcome } from "./attempt.js";
export { abortedBy, cancelOnAbort } from "./cancellation.js";
export { makeCredentials, passwordOf, usernameProblem, type Credentials } from "./credentials.js";
export { CredentialsChain, StaticCredentialsProvider } from "./credentials-chain.js";
export {
  DEFAULT_CREDENTIAL_VARIABLES,
  EnvironmentCredentialsProvider,
  normaliseRegistryHost,
  type EnvironmentCredentialsProviderOptions,
} from "./environment-credentials-provider.js";
export type { CredentialsProvider, CredentialsQuery } from "./credentials-provider.js";
export type { CredentialsVerifier, DeniedPush } from "./credentials-verifier.js";
export {
  AccessDenied,
  ArchiveInvalid,
  AuthenticationFailed,
  CommandFailed,
  CredentialsError,
  EnvironmentFault,
  InvalidReference,
  isPushError,
  ManifestRejected,
  NoStrategyAvailable,
  ProjectNotFound,
  PushCancelled,
  PushFailed,
  QuotaExceeded,
  RegistryError,
  RegistryUnreachable,
  StrategyFailed,
  StrategyUnavailable,
  Timeout,
  NotARegistry,
  type TimeoutStage,
  TlsVerificationFailed,
  type PushError,
  type PushErrorTag,
  type ReferencePart,
} from "./errors.js";
export {
  isRetryableError,
  PUSH_ERROR_TABLE,
  PUSH_ERROR_TAGS,
  type PushErrorExitCode,
  type PushErrorSpec,
  type PushErrorTable,
} from "./error-table.js";
export { FallbackChain, type ChainSuccess, type FallbackChainOptions, type ProbeReport } from "./fallback-chain.js";
export {
  DEFAULT_FALLBACK_DECISIONS,
  defaultFallbackPolicy,
  type FallbackDecision,
  type FallbackPolicy,
} from "./fallback-policy.js";
export { fromPromiseStrategy, type ProbeAnswer, type PromiseStrategyDefinition } from "./from-promise-strategy.js";
export { ImageReference, parseRegistryEndpoint, type RegistryEndpoint } from "./image-reference.js";
export {
  ignoreProgress,
  monotonicProgress,
  shieldedCall,
  type BlobProgress,
  type ProgressEvent,
  type ProgressSink,
  type PushPhase,
} from "./progress.js";
export {
  defaultPushTimeouts,
  defaultRetrySettings,
  defaultTlsSettings,
  LAYER_COMPRESSION_CHOICES,
  type LayerCompressionChoice,
  type PushTimeouts,
  type ArchiveFormat,
  type ArchiveSource,
  type ManifestFormat,
  type PushRequest,
  type RetrySettings,
  type TlsSettings,
} from "./push-request.js";
export type { PushOutcome, PushStrategy, Unsupported } from "./push-strategy.js";
export {
  Pusher,
  type PushFailure,
  type PushImageOptions,
  type PushReport,
  type PushResult,
  type PushSuccess,
} from "./pusher.js";
export {
  registerCredentialsProvider,
  registerCredentialsVerifier,
  registerFallbackChainOptions,
  registerStrategy,
  resolveFallbackChain,
  resolvePusher,
} from "./registration.js";
export { ProbeCache, type ProbeCacheTtl } from "./probe-cache.js";
export { defineStrategy, isStrategyDefinition, type StrategyDefinition, type StrategyOptions } from "./strategy-definition.js";
export {
  DEFAULT_PROBE_TIMEOUT_MS,
  describeRetryWait,
  maxRetryAfterMsOf,
  retryTransient,
  transientFaultSchedule,
  type RetryableError,
  type RetryWait,
  type RetryWaitListener,
} from "./retry.js";
export { redactSecrets } from "./redact.js";
export { CREDENTIALS_PROVIDER, CREDENTIALS_VERIFIER, FALLBACK_CHAIN_OPTIONS, PUSH_STRATEGY } from "./tokens.js";
export { publishDebug, SKOPUSH_DEBUG_CHANNEL, type DebugEntry, type DebugTopic } from "./debug-channel.js";
export { OPTION_PHRASES, settingPhrase, withSettingPhrases, type SettingContext, type SettingId, type SettingPhrases } from "./setting-phrases.js";
