import { Effect } from "effect";
import {
  StrategyUnavailable,
  type ProgressSink,
  type PushError,
  type PushOutcome,
  type PushRequest,
  type PushStrategy,
} from "@skopush/core";

/** What a {@link FakePushStrategy} does on one call. */
export type FakeStep =
  /** Probe passes; push reports the given percents, then succeeds. */
  | { readonly kind: "succeed"; readonly digest?: string; readonly bytesPushed?: number; readonly percents?: ReadonlyArray<number> }
  /** Probe fails with `StrategyUnavailable`. */
  | { readonly kind: "unavailable"; readonly reason?: string; readonly fix?: string }
  /** Probe passes; push fails with `error`. */
  | { readonly kind: "fail"; readonly error: PushError }
  /** Probe passes; push never ends until interrupted, then counts a cleanup. */
  | { readonly kind: "hang" }
  /** Probe passes; push throws `defect` (a bug in a strategy). */
  | { readonly kind: "die"; readonly defect: unknown };

/** The digest a fake succeeds with unless told otherwise. */
export const FAKE_DIGEST = `sha256:${"f".repeat(64)}`;

/**
 * A scriptable strategy for unit tests of code that composes chains. Steps are used one per push, the
 * last repeating; every probe and push is recorded.
 */
export class FakePushStrategy implements PushStrategy {
  /** Probes run so far. */
  probes = 0;
  /** Requests pushed so far, in order. */
  readonly pushes: PushRequest[] = [];
  /** Hanging pushes that were interrupted and cleaned up. */
  cleanups = 0;
  private readonly steps: ReadonlyArray<FakeStep>;

  constructor(
    readonly name: string,
    steps: FakeStep | ReadonlyArray<FakeStep>,
  ) {
    this.steps = Array.isArray(steps) ? steps : [steps as FakeStep];
    if (this.steps.length === 0) throw new Error("FakePushStrategy needs at least one step");
  }

  static succeeding(name: string, digest: string = FAKE_DIGEST): FakePushStrategy {
    return new FakePushStrategy(name, { kind: "succeed", digest });
  }

  static unavailable(name: string, reason = "fake: not available here"): FakePushStrategy {
    return new FakePushStrategy(name, { kind: "unavailable", reason });
  }

  static failing(name: string, error: PushError): FakePushStrategy {
    return new FakePushStrategy(name, { kind: "fail", error });
  }

  static hanging(name: string): FakePushStrategy {
    return new FakePushStrategy(name, { kind: "hang" });
  }

  private current(): FakeStep {
    return this.steps[Math.min(this.pushes.length, this.steps.length - 1)] as FakeStep;
  }

  probe(): Effect.Effect<void, StrategyUnavailable> {
    return Effect.suspend(() => {
      this.probes++;
      const step = this.current();
      return step.kind === "unavailable"
        ? Effect.fail(new StrategyUnavailable({ strategy: this.name, reason: step.reason ?? "fake: unavailable", fix: step.fix }))
        : Effect.void;
    });
  }

  push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    return Effect.suspend(() => {
      const step = this.current();
      this.pushes.push(request);
      switch (step.kind) {
        case "succeed":
          return Effect.sync(() => {
            for (const percent of step.percents ?? [50]) {
              progress({ percent, phase: "uploading", message: `fake ${this.name} at ${percent}%` });
            }
            return { digest: step.digest ?? FAKE_DIGEST, bytesPushed: step.bytesPushed ?? 0 };
          });
        case "unavailable":
          return Effect.fail(new StrategyUnavailable({ strategy: this.name, reason: step.reason ?? "fake: unavailable" }));
        case "fail":
          return Effect.fail(step.error);
        case "die":
          return Effect.die(step.defect);
        case "hang":
          return Effect.acquireRelease(Effect.void, () => Effect.sync(() => void this.cleanups++)).pipe(
            Effect.andThen(Effect.never),
            Effect.scoped,
          );
      }
    });
  }
}
