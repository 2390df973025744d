import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";

/** How long probe answers are kept. */
export interface ProbeCacheTtl {
  /** How long an "available" answer is reused. @default 5000 */
  readonly availableMs: number;
  /** How long an "unavailable" answer is reused. @default 1000 */
  readonly unavailableMs: number;
}

/**
 * Probe answers are kept briefly: the chain probes before every push, and a probe of a container
 * strategy costs two or three round trips to the daemon (inspect, an exec), which adds up when many
 * pushes start together. "Available" is kept 5 s: long enough to share among a burst of pushes, short
 * enough that a stopped container is noticed soon (a push that meets it fails with an environment fault,
 * which also clears the cache). "Unavailable" is kept 1 s, so that `docker start` is picked up at once.
 */
export const DEFAULT_PROBE_CACHE_TTL: ProbeCacheTtl = { availableMs: 5_000, unavailableMs: 1_000 };

/**
 * Caches the answer of `probe` (and what it learnt, `A`) per {@link ProbeCacheTtl}; concurrent callers
 * share one run in flight. Interruption is never cached.
 */
export class ProbeCache<A, E> {
  private entry: { readonly exit: Exit.Exit<A, E>; readonly until: number } | undefined;
  private inFlight: Promise<Exit.Exit<A, E>> | undefined;

  constructor(
    private readonly probe: Effect.Effect<A, E>,
    private readonly ttl: ProbeCacheTtl = DEFAULT_PROBE_CACHE_TTL,
  ) {}

  /** The cached answer while it is fresh, else a new probe's. */
  get(): Effect.Effect<A, E> {
    return Effect.gen({ self: this }, function* () {
      const now = Date.now();
      if (this.entry && now < this.entry.until) return yield* this.entry.exit;
      if (!this.inFlight) {
        const run = Effect.runPromiseExit(this.probe).then((exit) => {
          this.inFlight = undefined;
          if (!Exit.hasInterrupts(exit)) {
            const ttl = Exit.isSuccess(exit) ? this.ttl.availableMs : this.ttl.unavailableMs;
            this.entry = { exit, until: Date.now() + ttl };
          }
          return exit;
        });
        this.inFlight = run;
      }
      const inFlight = this.inFlight;
      const exit = yield* Effect.promise(() => inFlight);
      return yield* exit;
    });
  }

  /** Forgets the cached answer, e.g. after a push met an environment fault. */
  invalidate(): void {
    this.entry = undefined;
  }
}
