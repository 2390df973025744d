import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { inject, injectable, injectAll } from "tsyringe";
import type { Attempt } from "./attempt.js";
import { cancelOnAbort } from "./cancellation.js";
import { CredentialsChain, StaticCredentialsProvider } from "./credentials-chain.js";
import { makeCredentials, usernameProblem } from "./credentials.js";
import type { CredentialsProvider } from "./credentials-provider.js";
import type { CredentialsVerifier } from "./credentials-verifier.js";
import { AuthenticationFailed, CredentialsError, PushFailed, type PushErrorTag } from "./errors.js";
import { FallbackChain } from "./fallback-chain.js";
import { ImageReference } from "./image-reference.js";
import { ignoreProgress, monotonicProgress, type ProgressSink } from "./progress.js";
import {
  defaultPushTimeouts,
  defaultRetrySettings,
  defaultTlsSettings,
  type ArchiveSource,
  type PushTimeouts,
  type LayerCompressionChoice,
  type ManifestFormat,
  type PushRequest,
  type RetrySettings,
  type TlsSettings,
} from "./push-request.js";
import { CREDENTIALS_VERIFIER } from "./tokens.js";

/** What to push where, for {@link Pusher.push} (and skopush's `pushImage`). */
export interface PushImageOptions {
  /** A path, or a path with its format. */
  readonly archive: string | ArchiveSource;
  /** `host[:port]/project/repo:tag`, or a parsed reference. */
  readonly destination: string | ImageReference;
  /** Fixed credentials or a provider; the pusher's own providers are asked when absent. */
  readonly credentials?: CredentialsProvider | { readonly username: string; readonly password: string } | undefined;
  /** @default { verify: true } */
  readonly tls?: Partial<TlsSettings> | undefined;
  /** @default { times: 3, baseDelayMs: 500, maxDelayMs: 10000, maxRetryAfterMs: 60000 } */
  readonly retry?: Partial<RetrySettings> | undefined;
  /** Time limits per stage of the push, each defaulting as {@link defaultPushTimeouts} says. */
  readonly timeouts?: Partial<PushTimeouts> | undefined;
  readonly manifestFormat?: ManifestFormat | undefined;
  /** What layers stored uncompressed are sent as. @default "gzip" */
  readonly compression?: LayerCompressionChoice | undefined;
  /** Aborting it cancels the push and removes everything the push created. */
  readonly signal?: AbortSignal | undefined;
  /** Receives every progress event: `percent` an integer in [0, 100] that never goes down. */
  readonly onProgress?: ProgressSink | undefined;
}

/** A completed push. */
export interface PushReport {
  readonly image: string;
  readonly digest: string;
  /** The strategy that pushed. */
  readonly method: string;
  readonly bytesPushed: number;
  /** Whether the strategy read the push back from the registry and found the tag holding exactly this image. */
  readonly verified: boolean;
  /** What layers stored uncompressed were sent as: the strategy's word, else the choice asked for. */
  readonly compression: LayerCompressionChoice;
  /** Present and true when a cancel arrived after the registry had taken the manifest: the push completed anyway. */
  readonly cancelledTooLate?: boolean | undefined;
  readonly attempts: ReadonlyArray<Attempt>;
  readonly durationMs: number;
}

/** The Promise facade's success. */
export interface PushSuccess extends PushReport {
  readonly status: "success";
}

/** The Promise facade's failure: a message for people, a tag for code, and every attempt. */
export interface PushFailure {
  readonly status: "error";
  /** The destination, when it parsed. */
  readonly image?: string | undefined;
  readonly message: string;
  /** The tag of the deciding error, e.g. `AuthenticationFailed`. */
  readonly error: PushErrorTag;
  readonly retryable: boolean;
  readonly attempts: ReadonlyArray<Attempt>;
  readonly durationMs: number;
}

/** What `Pusher.push` (and skopush's `pushImage`) resolve to; they reject only on a defect in skopush itself. */
export type PushResult = PushSuccess | PushFailure;

/**
 * Resolves credentials, builds the request and runs the chain: one push, start to finish. Without a DI
 * container: `new Pusher(new FallbackChain([strategy])).push(options)`.
 */
@injectable()
export class Pusher {
  constructor(
    @inject(FallbackChain) readonly chain: FallbackChain,
    @inject(CredentialsChain) readonly credentials: CredentialsProvider = new CredentialsChain(),
    @injectAll(CREDENTIALS_VERIFIER, { isOptional: true }) readonly verifiers: ReadonlyArray<CredentialsVerifier> = [],
  ) {}

  /** The push as an Effect; fails with `PushFailed` (attempts empty when it failed before any strategy ran). */
  pushEffect(options: PushImageOptions): Effect.Effect<PushReport, PushFailed> {
    const chain = this.chain;
    const verifiers = this.verifiers;
    const provider = providerOf(options.credentials, this.credentials);
    return Effect.gen(function* () {
      const started = yield* Clock.currentTimeMillis;
      const destination =
        typeof options.destination === "string" ? yield* ImageReference.parse(options.destination) : options.destination;
      const credentials = yield* cancelOnAbort(
        provider.resolve({ registry: destination.registry, repository: destination.repository }),
        options.signal,
      );
      // Whichever provider answered: a username Basic authentication would re-split is refused before any strategy runs.
      const problem = credentials === undefined ? undefined : usernameProblem(credentials.username);
      if (problem !== undefined) {
        return yield* new CredentialsError({
          source: "the username",
          reason: problem,
          fix: "give the account's exact name (Harbor robots look like robot$project+name); a \":\" may be part of the password, never of the username",
        });
      }
      const request: PushRequest = {
        archive: typeof options.archive === "string" ? { path: options.archive } : options.archive,
        destination,
        credentials,
        tls: { ...defaultTlsSettings, ...options.tls },
        retry: { ...defaultRetrySettings, ...options.retry },
        timeouts: { ...defaultPushTimeouts, ...options.timeouts },
        manifestFormat: options.manifestFormat,
        compression: options.compression,
        signal: options.signal,
      };
      const result = yield* chain.push(request, progressSinkOf(options)).pipe(
        Effect.catch((failed) => Effect.flatMap(explainDenial(failed, request, verifiers), (explained) => Effect.fail(namingSource(explained, request)))),
      );
      return {
        image: destination.toString(),
        digest: result.outcome.digest,
        method: result.strategy,
        bytesPushed: result.outcome.bytesPushed,
        verified: result.outcome.verified === true,
        compression: result.outcome.compression ?? options.compression ?? "gzip",
        ...(result.outcome.cancelledTooLate === true ? { cancelledTooLate: true } : {}),
        attempts: result.attempts,
        durationMs: (yield* Clock.currentTimeMillis) - started,
      };
    }).pipe(
      Effect.scoped,
      Effect.mapError((error) => (error._tag === "PushFailed" ? error : new PushFailed({ reason: error, attempts: [] }))),
    );
  }

  /** The push as a Promise of a {@link PushResult}. */
  async push(options: PushImageOptions): Promise<PushResult> {
    const started = Date.now();
    const exit = await Effect.runPromiseExit(this.pushEffect(options));
    if (Exit.isSuccess(exit)) return { status: "success", ...exit.value };
    const failure = Cause.findErrorOption(exit.cause);
    if (failure._tag === "None") throw Cause.squash(exit.cause);
    return Pusher.failure(failure.value, options.destination, Date.now() - started);
  }

  /** The {@link PushFailure} of a push that failed with `failed`, e.g. one whose container could not be built. */
  static failure(failed: PushFailed, destination: string | ImageReference, durationMs: number): PushFailure {
    return {
      status: "error",
      image: typeof destination === "string" ? imageOrUndefined(destination) : destination.toString(),
      message: failed.message,
      error: failed.reason._tag,
      retryable: failed.isRetryable,
      attempts: failed.attempts,
      durationMs,
    };
  }
}

/** How long the verifiers may take to tell a wrong password from missing rights. */
const VERIFY_TIMEOUT_MS = 10_000;

/**
 * A push with credentials that ended in `AccessDenied`: the first verifier that finds the credentials
 * refused turns it into `AuthenticationFailed`, keeping the attempts. Otherwise the failure stands.
 */
const explainDenial = (
  failed: PushFailed,
  request: PushRequest,
  verifiers: ReadonlyArray<CredentialsVerifier>,
): Effect.Effect<PushFailed> => {
  const credentials = request.credentials;
  if (failed.reason._tag !== "AccessDenied" || credentials === undefined || verifiers.length === 0) return Effect.succeed(failed);
  const denied = { registry: request.destination.registry, credentials, tls: request.tls };
  const firstRefusal = Effect.gen(function* () {
    for (const verifier of verifiers) {
      const refusal: AuthenticationFailed | undefined = yield* verifier.refusal(denied);
      if (refusal !== undefined) return refusal;
    }
    return undefined;
  });
  return cancelOnAbort(firstRefusal.pipe(Effect.timeoutOption(VERIFY_TIMEOUT_MS)), request.signal).pipe(
    Effect.map((refusal) => (refusal._tag === "Some" && refusal.value !== undefined ? new PushFailed({ reason: refusal.value, attempts: failed.attempts }) : failed)),
    Effect.catch(() => Effect.succeed(failed)),
  );
};

/** A refused login says where its credentials came from, so the user knows which to fix. */
const namingSource = (failed: PushFailed, request: PushRequest): PushFailed => {
  const reason = failed.reason;
  const source = request.credentials?.source;
  if (reason._tag !== "AuthenticationFailed" || source === undefined || reason.credentialsSource !== undefined) return failed;
  return new PushFailed({ reason: new AuthenticationFailed({ registry: reason.registry, username: reason.username, reason: reason.reason, fix: reason.fix, credentialsSource: source }), attempts: failed.attempts });
};

const imageOrUndefined = (destination: string): string | undefined => {
  try {
    return ImageReference.parseOrThrow(destination).toString();
  } catch {
    return undefined;
  }
};

const providerOf = (credentials: PushImageOptions["credentials"], fallback: CredentialsProvider): CredentialsProvider => {
  if (credentials === undefined) return fallback;
  if ("resolve" in credentials) return credentials;
  return new StaticCredentialsProvider(makeCredentials(credentials.username, credentials.password));
};

const progressSinkOf = (options: PushImageOptions): ProgressSink => monotonicProgress(options.onProgress ?? ignoreProgress);
