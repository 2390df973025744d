import { Effect, Schedule } from "effect";
import { NotReady, type TestEnvironmentError } from "./errors.js";

/** How often and how long to poll. */
export interface PollSettings {
  readonly intervalMs: number;
  readonly withinMs: number;
}

/**
 * Runs `probe` until it succeeds: a {@link NotReady} failure is polled again every `intervalMs` for at
 * most `withinMs`, then turned into the error `onTimeout` builds; any other failure stops at once.
 */
export const pollUntilReady = <A, E extends { readonly _tag: string }, R>(
  probe: Effect.Effect<A, NotReady | E, R>,
  settings: PollSettings,
  onTimeout: (last: NotReady) => TestEnvironmentError,
): Effect.Effect<A, Exclude<E, NotReady> | TestEnvironmentError, R> =>
  probe.pipe(
    Effect.retry({
      schedule: Schedule.max([Schedule.spaced(settings.intervalMs), Schedule.during(settings.withinMs)]),
      while: (error: NotReady | E) => error._tag === "NotReady",
    }),
    Effect.mapError((error) => (error instanceof NotReady ? onTimeout(error) : (error as Exclude<E, NotReady>))),
  );
