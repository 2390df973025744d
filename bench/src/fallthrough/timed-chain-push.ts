import * as Effect from "effect/Effect";
import { defaultRetrySettings, FallbackChain, ImageReference, type PushStrategy } from "@skopush/core";
import { RegistryPushStrategy } from "@skopush/strategy-registry";
import { timedProbe } from "../timed-probe.js";
import type { FallthroughContext } from "./fallthrough-context.js";

/** One chain push of a fall-through measurement. */
export interface TimedPush {
  /** `FallbackChain.push`, from its call to its answer. */
  readonly chainMs: number;
  /** Each unavailable strategy's probe, in chain order. */
  readonly probeMs: ReadonlyArray<number>;
  /** Why each unavailable strategy said so (the probe's reason), in chain order. */
  readonly reasons: ReadonlyArray<string>;
}

/**
 * Pushes the context's archive through `FallbackChain([...unavailable, registry])` and times it. Fails when an
 * "unavailable" strategy was not reported unavailable (the scenario would measure something else) or the
 * working strategy did not push.
 */
export const timedChainPush = async (context: FallthroughContext, unavailable: ReadonlyArray<PushStrategy>): Promise<TimedPush> => {
  const probeMs: number[] = [];
  const working = new RegistryPushStrategy({ blobInfoCacheDir: context.blobInfoCacheDir });
  const chain = new FallbackChain([...unavailable.map((s) => timedProbe(s, (ms) => probeMs.push(ms))), working]);
  const started = performance.now();
  const result = await Effect.runPromise(
    chain.push({
      archive: { path: context.archive },
      destination: ImageReference.parseOrThrow(context.destination),
      tls: { verify: false },
      retry: defaultRetrySettings,
    }),
  );
  const chainMs = performance.now() - started;
  const skipped = result.attempts.slice(0, -1);
  if (result.strategy !== working.name || skipped.length !== unavailable.length || skipped.some((a) => a.outcome !== "unavailable")) {
    throw new Error(`expected ${unavailable.length} unavailable strategies, then ${working.name}; attempts: ${JSON.stringify(result.attempts)}`);
  }
  return { chainMs, probeMs, reasons: skipped.map((a) => a.reason ?? "") };
};
