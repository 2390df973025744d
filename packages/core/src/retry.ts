import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import { defaultRetrySettings, type RetrySettings } from "./push-request.js";

/** Errors that say whether trying again may help, and optionally how long the server asked to wait. */
export interface RetryableError {
  readonly isRetryable: boolean;
  readonly retryAfterMs?: number | undefined;
  readonly message?: string | undefined;
}

/** A wait before the next try, as {@link transientFaultSchedule} decided it. */
export interface RetryWait {
  /** How long the wait is. */
  readonly delayMs: number;
  /** The failure that is retried. */
  readonly error: RetryableError | undefined;
  /** The `Retry-After` the registry sent, when it sent one. */
  readonly askedMs?: number | undefined;
  /** True when `askedMs` was longer than `maxRetryAfterMs` and the wait was cut to it. */
  readonly capped: boolean;
}

/** Told of each wait before a retry (e.g. to say in progress why the push pauses). Must not throw. */
export type RetryWaitListener = (wait: RetryWait) => void;

/** The longest `Retry-After` honoured under `settings`. */
export const maxRetryAfterMsOf = (settings: RetrySettings): number =>
  Math.max(0, settings.maxRetryAfterMs ?? defaultRetrySettings.maxRetryAfterMs ?? 60_000);

/**
 * Backoff for transient faults: exponential from `baseDelayMs`, jittered, each delay capped at
 * `maxDelayMs` but never shorter than a `Retry-After` the failing error carries, itself capped at
 * `maxRetryAfterMs` (a registry asking for ten minutes must not park the push); at most `times`
 * retries. `onWait` hears of every wait.
 */
export const transientFaultSchedule = (settings: RetrySettings, onWait?: RetryWaitListener) =>
  Schedule.max([
    Schedule.exponential(Duration.millis(Math.max(1, settings.baseDelayMs))).pipe(
      Schedule.jittered,
      Schedule.setInputType<RetryableError>(),
      Schedule.modifyDelay((metadata) =>
        Effect.sync(() => {
          const asked = metadata.input?.retryAfterMs;
          const cap = maxRetryAfterMsOf(settings);
          const backoff = Math.min(Duration.toMillis(metadata.duration), settings.maxDelayMs);
          const delayMs = Math.max(backoff, Math.min(asked ?? 0, cap));
          if (onWait !== undefined) {
            try {
              onWait({ delayMs, error: metadata.input, askedMs: asked, capped: asked !== undefined && asked > cap });
            } catch {
              // A listener's bug must not change the retry.
            }
          }
          return Duration.millis(delayMs);
        }),
      ),
    ),
    Schedule.recurs(Math.max(0, settings.times)),
  ]);

/** Retries `self` on errors whose `isRetryable` is true, following {@link transientFaultSchedule}. */
export const retryTransient =
  (settings: RetrySettings, onWait?: RetryWaitListener) =>
  <A, E extends RetryableError, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.retry(self, {
      schedule: transientFaultSchedule(settings, onWait),
      while: (error: E) => error.isRetryable,
    });

const seconds = (ms: number): string => (ms >= 10_000 || ms % 1000 === 0 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);

/**
 * A progress line for a wait: how long, and why, e.g. `Waiting 60 s before trying again: the registry
 * asked for 600 s (Retry-After), capped at 60 s (retry.maxRetryAfterMs) — registry error 429: …`.
 */
export const describeRetryWait = (wait: RetryWait): string => {
  const why =
    wait.askedMs === undefined
      ? ""
      : wait.capped
        ? `the registry asked for ${seconds(wait.askedMs)} (Retry-After), capped at ${seconds(wait.delayMs)} (retry.maxRetryAfterMs)`
        : `the registry asked for ${seconds(wait.askedMs)} (Retry-After)`;
  const what = wait.error?.message;
  const because = [why, what].filter((part) => part !== undefined && part !== "").join(": ");
  return `Waiting ${seconds(wait.delayMs)} before trying again${because === "" ? "" : `: ${because}`}`;
};

/** How long the chain waits for a strategy's probe before calling it unavailable. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;
