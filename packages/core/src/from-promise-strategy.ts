import * as Effect from "effect/Effect";
import { isPushError, StrategyFailed, StrategyUnavailable, type PushError } from "./errors.js";
import type { ProgressSink } from "./progress.js";
import type { PushRequest } from "./push-request.js";
import type { PushOutcome, PushStrategy, Unsupported } from "./push-strategy.js";

/** A probe's answer when written as a plain async function. */
export type ProbeAnswer =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string; readonly fix?: string | undefined };

/** A strategy written with plain async functions; see {@link fromPromiseStrategy}. */
export interface PromiseStrategyDefinition {
  readonly name: string;
  /** Whether the strategy pushes to this request's destination; see `PushStrategy.supports`. @default every destination */
  readonly supports?: ((request: PushRequest) => boolean | Unsupported) | undefined;
  /** Resolves when the strategy can run here; may resolve `{ available: false, reason }` or throw. @default always available */
  readonly probe?: ((signal: AbortSignal) => Promise<ProbeAnswer | void>) | undefined;
  /** Pushes; honour `signal` to cancel. Throw a skopush error to choose how the chain reacts. */
  readonly push: (request: PushRequest, progress: ProgressSink, signal: AbortSignal) => Promise<PushOutcome>;
}

/**
 * Turns async functions into a `PushStrategy`. A thrown skopush error keeps its tag; anything else
 * thrown by `push` becomes `StrategyFailed` (the chain moves on), and by `probe` `StrategyUnavailable`.
 */
export const fromPromiseStrategy = (definition: PromiseStrategyDefinition): PushStrategy => ({
  name: definition.name,
  ...(definition.supports ? { supports: definition.supports } : {}),
  probe: () => {
    const probe = definition.probe;
    if (probe === undefined) return Effect.void;
    return Effect.tryPromise({
      try: (signal) => probe(signal),
      catch: (thrown) => asUnavailable(definition.name, thrown),
    }).pipe(
      Effect.flatMap((answer) =>
        answer && answer.available === false
          ? Effect.fail(new StrategyUnavailable({ strategy: definition.name, reason: answer.reason, fix: answer.fix }))
          : Effect.void,
      ),
    );
  },
  push: (request, progress) =>
    Effect.tryPromise({
      try: (signal) => definition.push(request, progress, signal),
      catch: (thrown): PushError =>
        isPushError(thrown)
          ? thrown
          : new StrategyFailed({ strategy: definition.name, reason: messageOf(thrown), cause: thrown }),
    }),
});

const asUnavailable = (strategy: string, thrown: unknown): StrategyUnavailable =>
  isPushError(thrown) && thrown._tag === "StrategyUnavailable"
    ? thrown
    : new StrategyUnavailable({ strategy, reason: messageOf(thrown), cause: thrown });

const messageOf = (thrown: unknown): string => (thrown instanceof Error ? thrown.message : String(thrown));
