import * as Effect from "effect/Effect";
import type { PushStrategy } from "@skopush/core";

/** `strategy` with its probe timed with `performance.now()` (the chain records whole milliseconds) and reported to `record`. */
export const timedProbe = (strategy: PushStrategy, record: (ms: number) => void): PushStrategy => ({
  name: strategy.name,
  probe: () =>
    Effect.suspend(() => {
      const started = performance.now();
      return strategy.probe().pipe(Effect.ensuring(Effect.sync(() => record(performance.now() - started))));
    }),
  push: (request, progress) => strategy.push(request, progress),
});
