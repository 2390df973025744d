import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";
import type { RetrySettings } from "./push-request.js";

/** Errors that say whether trying again may help, and optionally how long the server asked to wait. */
export interface RetryableError {
  readonly isRetryable: boolean;
  readonly retryAfterMs?: number | undefined;
}

/**
 * Backoff for transient faults: exponential from `baseDelayMs`, jittered, each delay capped at
 * `maxDelayMs` but never shorter than a `Retry-After` the failing error carries; at most `times` retries.
 */
export const transientFaultSchedule = (settings: RetrySettings) =>
  Schedule.max([
    Schedule.exponential(Duration.millis(Math.max(1, settings.baseDelayMs))).pipe(
      Schedule.jittered,
      Schedule.setInputType<RetryableError>(),
      Schedule.modifyDelay((metadata) =>
        Effect.succeed(
          Duration.millis(
            Math.max(
              Math.min(Duration.toMillis(metadata.duration), settings.maxDelayMs),
              metadata.input?.retryAfterMs ?? 0,
            ),
          ),
        ),
      ),
    ),
    Schedule.recurs(Math.max(0, settings.times)),
  ]);

/** Retries `self` on errors whose `isRetryable` is true, following {@link transientFaultSchedule}. */
export const retryTransient =
  (settings: RetrySettings) =>
  <A, E extends RetryableError, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.retry(self, {
      schedule: transientFaultSchedule(settings),
      while: (error: E) => error.isRetryable,
    });

/** How long the chain waits for a strategy's probe before calling it unavailable. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;
