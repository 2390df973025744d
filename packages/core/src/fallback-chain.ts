import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { inject, injectable, injectAll } from "tsyringe";
import type { Attempt, AttemptOutcome } from "./attempt.js";
import { cancelOnAbort } from "./cancellation.js";
import { publishDebug } from "./debug-channel.js";
import { NoStrategyAvailable, PushCancelled, PushFailed, StrategyFailed, StrategyUnavailable, Timeout, type PushError } from "./errors.js";
import { defaultFallbackPolicy, type FallbackPolicy } from "./fallback-policy.js";
import { ignoreProgress, monotonicProgress, type ProgressSink } from "./progress.js";
import { checkPushOutcome } from "./push-outcome-check.js";
import type { PushRequest } from "./push-request.js";
import type { PushOutcome, PushStrategy } from "./push-strategy.js";
import { DEFAULT_PROBE_TIMEOUT_MS } from "./retry.js";
import { FALLBACK_CHAIN_OPTIONS, PUSH_STRATEGY } from "./tokens.js";

/** Options of {@link FallbackChain}. */
export interface FallbackChainOptions {
  /** Decides after each failure whether to try the next strategy. @default defaultFallbackPolicy */
  readonly policy?: FallbackPolicy | undefined;
  /** How long a probe may take before its strategy counts as unavailable. @default 5000 */
  readonly probeTimeoutMs?: number | undefined;
  /**
   * Asked after an attempt was cancelled and had stopped: whether the image landed under the tag anyway
   * (the cancel came after the registry took the manifest). An outcome makes the push a success with
   * `cancelledTooLate`; undefined keeps it cancelled. @default none (a cancel is always PushCancelled)
   */
  readonly landedAfterCancel?: ((request: PushRequest) => Effect.Effect<PushOutcome | undefined>) | undefined;
}

/** A push the chain completed. */
export interface ChainSuccess {
  readonly outcome: PushOutcome;
  /** The name of the strategy that pushed. */
  readonly strategy: string;
  /** Every attempt, the successful one last. */
  readonly attempts: ReadonlyArray<Attempt>;
}

/** One strategy's probe answer, for diagnostics such as `skopush doctor`. */
export interface ProbeReport {
  readonly strategy: string;
  readonly available: boolean;
  readonly reason?: string | undefined;
  readonly fix?: string | undefined;
  readonly durationMs: number;
}

/** Tries push strategies in order and uses the first that works; see {@link FallbackPolicy}. */
@injectable()
export class FallbackChain {
  readonly strategies: ReadonlyArray<PushStrategy>;
  private readonly policy: FallbackPolicy;
  private readonly probeTimeoutMs: number;
  private readonly landedAfterCancel: FallbackChainOptions["landedAfterCancel"];

  constructor(
    @injectAll(PUSH_STRATEGY) strategies: ReadonlyArray<PushStrategy>,
    @inject(FALLBACK_CHAIN_OPTIONS, { isOptional: true }) options?: FallbackChainOptions,
  ) {
    this.strategies = [...strategies];
    this.policy = options?.policy ?? defaultFallbackPolicy;
    this.probeTimeoutMs = options?.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    this.landedAfterCancel = options?.landedAfterCancel;
  }

  /** Pushes with the first strategy that can; fails with the deciding error and every attempt. */
  push(request: PushRequest, progress: ProgressSink = ignoreProgress): Effect.Effect<ChainSuccess, PushFailed> {
    return Effect.gen({ self: this }, function* () {
      const sink = monotonicProgress(progress);
      const attempts: Attempt[] = [];
      const totalMs = request.timeouts?.totalMs;
      const deadline = totalMs === undefined || totalMs <= 0 ? undefined : (yield* Clock.currentTimeMillis) + totalMs;
      for (const strategy of this.strategies) {
        const started = yield* Clock.currentTimeMillis;
        const strategySink: ProgressSink = (event) => sink({ ...event, strategy: strategy.name, strategyDescription: strategy.description });
        strategySink({ percent: 0, phase: "preparing", message: strategy.description ?? `trying ${strategy.name}` });
        const attempt = deadline === undefined ? this.attempt(strategy, request, strategySink) : withinTotal(this.attempt(strategy, request, strategySink), request, deadline - started, totalMs!);
        const exit = yield* Effect.exit(cancelOnAbort(attempt, request.signal));
        const durationMs = (yield* Clock.currentTimeMillis) - started;
        if (Exit.isSuccess(exit)) {
          publishDebug("strategy", () => `${strategy.name} pushed ${exit.value.digest} in ${durationMs} ms`);
          attempts.push({ strategy: strategy.name, outcome: "success", durationMs });
          strategySink({ percent: 100, phase: "done", message: `pushed ${request.destination} ${exit.value.digest}` });
          return { outcome: exit.value, strategy: strategy.name, attempts };
        }
        const error = errorOf(exit.cause, strategy.name);
        // A cancel is final only when the registry did not take the push: the attempt has stopped by now
        // (skopeo too), so what the tag holds can no longer change under us.
        const landed = error._tag === "PushCancelled" ? yield* landedDespite(this.landedAfterCancel, request) : undefined;
        if (landed !== undefined) {
          attempts.push({ strategy: strategy.name, outcome: "success", durationMs });
          strategySink({ percent: 100, phase: "done", message: `pushed ${request.destination} ${landed.digest}: the cancel came after the registry had taken the manifest` });
          return { outcome: landed, strategy: strategy.name, attempts };
        }
        attempts.push({ strategy: strategy.name, outcome: outcomeOf(error), reason: error.summary, error: error._tag, durationMs });
        // The whole push's time is spent: no other strategy gets any.
        const stop = error._tag === "PushCancelled" || (error._tag === "Timeout" && error.stage === "total") || this.policy.decide(error) === "stop";
        publishDebug("strategy", () => {
          const next = stop ? "the chain stops here" : this.strategies.indexOf(strategy) < this.strategies.length - 1 ? "the next strategy is tried" : "no strategy is left";
          return `${strategy.name} did not push (${durationMs} ms): ${error.summary} [${error._tag}]; ${next}`;
        });
        if (stop) return yield* Effect.fail(new PushFailed({ reason: error, attempts }));
      }
      return yield* Effect.fail(new PushFailed({ reason: new NoStrategyAvailable({ attempts: [...attempts] }), attempts }));
    });
  }

  /** Probes every strategy at once, for diagnostics; never fails. */
  probeAll(): Effect.Effect<ReadonlyArray<ProbeReport>> {
    return Effect.forEach(
      this.strategies,
      (strategy) =>
        Effect.gen({ self: this }, function* () {
          const started = yield* Clock.currentTimeMillis;
          const exit = yield* Effect.exit(this.probe(strategy));
          const durationMs = (yield* Clock.currentTimeMillis) - started;
          if (Exit.isSuccess(exit)) return { strategy: strategy.name, available: true, durationMs };
          const error = errorOf(exit.cause, strategy.name);
          return {
            strategy: strategy.name,
            available: false,
            reason: error._tag === "StrategyUnavailable" ? error.reason : error.summary,
            fix: error._tag === "StrategyUnavailable" ? error.fix : undefined,
            durationMs,
          };
        }),
      { concurrency: "unbounded" },
    );
  }

  private probe(strategy: PushStrategy): Effect.Effect<void, StrategyUnavailable> {
    return Effect.suspend(() => strategy.probe()).pipe(
      Effect.timeoutOrElse({
        duration: this.probeTimeoutMs,
        orElse: () =>
          Effect.fail(
            new StrategyUnavailable({ strategy: strategy.name, reason: `its probe did not answer within ${this.probeTimeoutMs} ms` }),
          ),
      }),
    );
  }

  private attempt(strategy: PushStrategy, request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    return Effect.suspend(() => {
      const answer = strategy.supports === undefined ? true : strategy.supports(request);
      if (answer === true) return Effect.void;
      return Effect.fail(
        answer === false
          ? new StrategyUnavailable({ strategy: strategy.name, reason: `it does not push to ${request.destination.registry}` })
          : new StrategyUnavailable({ strategy: strategy.name, reason: answer.reason, fix: answer.fix }),
      );
    }).pipe(
      Effect.andThen(this.probe(strategy)),
      Effect.andThen(
        Effect.suspend(() => {
          publishDebug("strategy", () => `${strategy.name} is available${strategy.description ? ` (${strategy.description})` : ""}: pushing with it`);
          return strategy.push(request, progress);
        }),
      ),
      Effect.flatMap((outcome) => checkPushOutcome(strategy.name, outcome)),
    );
  }
}

/** How long the check after a cancel may take; it is one or two small requests. */
const LANDED_CHECK_TIMEOUT_MS = 10_000;

/** The outcome of a cancelled attempt whose image is under the tag anyway; undefined when it is not, or cannot be told. */
const landedDespite = (
  check: FallbackChainOptions["landedAfterCancel"],
  request: PushRequest,
): Effect.Effect<PushOutcome | undefined> =>
  check === undefined
    ? Effect.succeed(undefined)
    : Effect.suspend(() => check(request)).pipe(
        Effect.timeoutOption(LANDED_CHECK_TIMEOUT_MS),
        // Whatever goes wrong in the check (a defect included) keeps the push cancelled.
        Effect.exit,
        Effect.map((exit) =>
          Exit.isSuccess(exit) && exit.value._tag === "Some" && exit.value.value !== undefined ? { ...exit.value.value, cancelledTooLate: true } : undefined,
        ),
      );

/**
 * `attempt` stopped (interrupted, so skopeo is killed and its workspace removed) when the whole push's
 * `totalMs` runs out `remainingMs` from now, failing with `Timeout` (stage `total`).
 */
const withinTotal = (attempt: Effect.Effect<PushOutcome, PushError>, request: PushRequest, remainingMs: number, totalMs: number): Effect.Effect<PushOutcome, PushError> =>
  attempt.pipe(
    Effect.timeoutOrElse({
      duration: Math.max(0, remainingMs),
      orElse: () =>
        Effect.fail(
          new Timeout({
            operation: `push to ${request.destination}`,
            afterMs: totalMs,
            stage: "total",
            detail: `the push to ${request.destination.registry} did not finish within ${totalMs} ms; it was stopped (raise timeouts.totalMs, --timeout, for a large image on a slow link)`,
          }),
        ),
    }),
  );

/** The typed error of a failed attempt; a defect (a strategy that threw) becomes `StrategyFailed`. */
const errorOf = (cause: Cause.Cause<PushError>, strategy: string): PushError => {
  const found = Cause.findErrorOption(cause);
  if (found._tag === "Some") return found.value;
  if (Cause.hasInterruptsOnly(cause)) return new PushCancelled({ reason: "interrupted" });
  const defect = Cause.squash(cause);
  return new StrategyFailed({
    strategy,
    reason: defect instanceof Error ? defect.message : String(defect),
    cause: defect,
  });
};

const outcomeOf = (error: PushError): AttemptOutcome => {
  if (error._tag === "StrategyUnavailable") return "unavailable";
  if (error._tag === "PushCancelled") return "cancelled";
  return "failed";
};
