import { Effect } from "effect";
import { inject, injectable } from "tsyringe";
import type { ProgressSink, PushError, PushOutcome, PushRequest, PushStrategy, StrategyUnavailable } from "skopush";

/** The DI token of the strategy a {@link LabelledStrategy} pushes through. */
export const DELEGATE = Symbol("consumer/delegate");
/** The DI token of a {@link LabelledStrategy}'s name; optional (needs tsyringe's `isOptional`). */
export const LABEL = Symbol("consumer/label");

/** A strategy written in the app: pushes through another one under its own name, counting its pushes. */
@injectable()
export class LabelledStrategy implements PushStrategy {
  readonly name: string;
  pushes = 0;

  constructor(
    @inject(DELEGATE) private readonly delegate: PushStrategy,
    @inject(LABEL, { isOptional: true }) label?: string,
  ) {
    this.name = label ?? "labelled";
  }

  probe(): Effect.Effect<void, StrategyUnavailable> {
    return this.delegate.probe();
  }

  push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    return Effect.tap(this.delegate.push(request, progress), () => Effect.sync(() => void this.pushes++));
  }
}
