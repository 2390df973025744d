import type { PushError, PushErrorTag } from "./errors.js";

/** What the chain does after a strategy failed: try the next one, or stop and report. */
export type FallbackDecision = "next" | "stop";

/** Decides, per error, whether another strategy could succeed where this one failed. */
export interface FallbackPolicy {
  decide(error: PushError): FallbackDecision;
}

/**
 * The default decisions. Moving on is right when the failure belongs to this strategy's environment
 * (unavailable, daemon gone, container stopped, an unrecognised command failure); stopping is right
 * when every strategy would fail the same way (credentials, reference, archive, the registry's answer),
 * so a wrong password is tried once, not once per strategy.
 */
export const DEFAULT_FALLBACK_DECISIONS: Readonly<Record<PushErrorTag, FallbackDecision>> = {
  StrategyUnavailable: "next",
  EnvironmentFault: "next",
  CommandFailed: "next",
  StrategyFailed: "next",
  InvalidReference: "stop",
  ArchiveInvalid: "stop",
  AuthenticationFailed: "stop",
  AccessDenied: "stop",
  ProjectNotFound: "stop",
  QuotaExceeded: "stop",
  TlsVerificationFailed: "stop",
  RegistryUnreachable: "stop",
  ManifestRejected: "stop",
  RegistryError: "stop",
  Timeout: "stop",
  PushCancelled: "stop",
  CredentialsError: "stop",
  NoStrategyAvailable: "stop",
};

/** The policy built from {@link DEFAULT_FALLBACK_DECISIONS}. */
export const defaultFallbackPolicy: FallbackPolicy = {
  decide: (error) => DEFAULT_FALLBACK_DECISIONS[error._tag],
};
