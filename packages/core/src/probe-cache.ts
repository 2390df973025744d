import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";

/** How long a strategy's probe answers are kept, in milliseconds. */
export interface ProbeCacheTtl {
  /** How long an "available" answer is reused. */
  readonly availableMs: number;
  /** How long an "unavailable" answer is reused. */
  readonly unavailableMs: number;
}

/**
 * A strategy's probe answer (and what the probe learnt, `A`), kept per {@link ProbeCacheTtl}; concurrent
 * callers share one run in flight, and an interrupted run is never kept. Built on Effect's
 * `cachedInvalidateWithTTL`.
 */
export class ProbeCache<A, E> {
  private readonly cached: Effect.Effect<A, E>;
  private readonly forget: Effect.Effect<void>;

  constructor(probe: Effect.Effect<A, E>, ttl: ProbeCacheTtl) {
    const timeToLive = (exit: Exit.Exit<A, E>) =>
      Exit.hasInterrupts(exit) ? 0 : Exit.isSuccess(exit) ? ttl.availableMs : ttl.unavailableMs;
    [this.cached, this.forget] = Effect.runSync(Effect.cachedInvalidateWithTTL(probe, timeToLive));
  }

  /** The kept answer while it is fresh, else a new probe's. */
  get(): Effect.Effect<A, E> {
    return this.cached;
  }

  /** Forgets the kept answer, e.g. after a push met an environment fault. */
  invalidate(): Effect.Effect<void> {
    return this.forget;
  }
}
