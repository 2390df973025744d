import type { PushError, PushErrorTag } from "./errors.js";

/** What the chain does after a strategy failed: try the next one, or stop and report. */
export type FallbackDecision = "next" | "stop";

/** The exit code of `skopush` when a push ends in an error: 1 failed, 2 bad input, 130 cancelled (143 after SIGTERM). */
export type PushErrorExitCode = 1 | 2 | 130;

/** Everything skopush decides about one error tag. */
export interface PushErrorSpec<E extends PushError = PushError> {
  /** One line for the documentation: what the error means. */
  readonly meaning: string;
  /** Whether trying the same operation again may succeed; a function when it depends on the error's fields. */
  readonly retryable: boolean | ((error: E) => boolean);
  /** What the default fallback policy does after a strategy failed with it. */
  readonly fallThrough: FallbackDecision;
  /** The CLI's exit code when a push ends with it. */
  readonly exitCode: PushErrorExitCode;
}

/** The table's type: exactly one entry per tag of {@link PushError}, checked by the compiler. */
export type PushErrorTable = { readonly [K in PushErrorTag]: PushErrorSpec<Extract<PushError, { readonly _tag: K }>> };

/** Registry statuses worth another try: rate limited, or a gateway that lost its backend for a moment. */
const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * The one table of skopush's errors: each tag's retryability, fall-through decision, exit code and
 * meaning come from here (the error classes, `defaultFallbackPolicy`, the CLI's exit codes and
 * docs/troubleshooting.md, which a test compares with it). Moving on is right when a failure belongs to
 * one strategy's environment; stopping is right when every strategy would fail the same way, so a wrong
 * password is tried once, not once per strategy.
 */
export const PUSH_ERROR_TABLE: PushErrorTable = {
  StrategyUnavailable: { meaning: "the strategy cannot run on this machine now", retryable: false, fallThrough: "next", exitCode: 1 },
  EnvironmentFault: { meaning: "the strategy's environment failed under a running push", retryable: false, fallThrough: "next", exitCode: 1 },
  CommandFailed: { meaning: "a command failed in a way no classifier recognised", retryable: false, fallThrough: "next", exitCode: 1 },
  StrategyFailed: { meaning: "a strategy failed unexpectedly", retryable: false, fallThrough: "next", exitCode: 1 },
  InvalidReference: { meaning: "an image reference the distribution grammar rejects", retryable: false, fallThrough: "stop", exitCode: 2 },
  ArchiveInvalid: { meaning: "the archive is missing, unreadable, malformed or hostile", retryable: false, fallThrough: "stop", exitCode: 2 },
  AuthenticationFailed: { meaning: "the registry refused the credentials", retryable: false, fallThrough: "stop", exitCode: 1 },
  AccessDenied: { meaning: "authenticated, but not allowed to push this repository", retryable: false, fallThrough: "stop", exitCode: 1 },
  ProjectNotFound: { meaning: "the Harbor project does not exist", retryable: false, fallThrough: "stop", exitCode: 1 },
  QuotaExceeded: { meaning: "a storage quota would be exceeded", retryable: false, fallThrough: "stop", exitCode: 1 },
  TlsVerificationFailed: { meaning: "the registry's certificate could not be verified", retryable: false, fallThrough: "stop", exitCode: 1 },
  RegistryUnreachable: { meaning: "the registry could not be reached", retryable: true, fallThrough: "stop", exitCode: 1 },
  ManifestRejected: { meaning: "the registry refused the manifest", retryable: false, fallThrough: "stop", exitCode: 1 },
  RegistryError: {
    meaning: "a registry answer that fits no other tag",
    retryable: (error) => error.status !== undefined && RETRYABLE_STATUS.has(error.status),
    fallThrough: "stop",
    exitCode: 1,
  },
  Timeout: { meaning: "an operation ran past its time limit", retryable: true, fallThrough: "stop", exitCode: 1 },
  NotARegistry: { meaning: "the server at the address does not speak the registry protocol", retryable: false, fallThrough: "stop", exitCode: 1 },
  PushCancelled: { meaning: "the caller cancelled the push", retryable: false, fallThrough: "stop", exitCode: 130 },
  CredentialsError: { meaning: "credentials could not be obtained", retryable: false, fallThrough: "stop", exitCode: 1 },
  NoStrategyAvailable: { meaning: "no strategy in the chain could push here", retryable: false, fallThrough: "stop", exitCode: 1 },
};

/** Every tag of {@link PushError}, in the table's order. */
export const PUSH_ERROR_TAGS: ReadonlyArray<PushErrorTag> = Object.keys(PUSH_ERROR_TABLE) as PushErrorTag[];

/** Whether `error` is worth another try, per {@link PUSH_ERROR_TABLE}. */
export const isRetryableError = (error: PushError): boolean => {
  const retryable = PUSH_ERROR_TABLE[error._tag].retryable as boolean | ((error: PushError) => boolean);
  return typeof retryable === "function" ? retryable(error) : retryable;
};
