import { Effect, Exit, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import { ProbeCache } from "@skopush/core";

describe("ProbeCache", () => {
  it("shares one probe among concurrent callers and reuses a fresh answer until invalidated", async () => {
    let runs = 0;
    const cache = new ProbeCache(Effect.sleep(20).pipe(Effect.tap(() => Effect.sync(() => runs++))), { availableMs: 60_000, unavailableMs: 0 });
    await Effect.runPromise(Effect.all([cache.get(), cache.get(), cache.get()], { concurrency: "unbounded" }));
    await Effect.runPromise(cache.get());
    expect(runs).toBe(1);
    await Effect.runPromise(cache.invalidate());
    await Effect.runPromise(cache.get());
    expect(runs).toBe(2);
  });

  it("keeps a failure only for its own, shorter time", async () => {
    let runs = 0;
    const cache = new ProbeCache(
      Effect.suspend(() => (++runs === 1 ? Effect.fail("down" as const) : Effect.void)),
      { availableMs: 60_000, unavailableMs: 30 },
    );
    expect(Exit.isFailure(await Effect.runPromiseExit(cache.get()))).toBe(true);
    expect(Exit.isFailure(await Effect.runPromiseExit(cache.get()))).toBe(true);
    expect(runs).toBe(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(Exit.isSuccess(await Effect.runPromiseExit(cache.get()))).toBe(true);
    expect(runs).toBe(2);
  });

  it("never keeps an interrupted probe", async () => {
    let runs = 0;
    const cache = new ProbeCache(Effect.suspend(() => (++runs === 1 ? Effect.never : Effect.void)), { availableMs: 60_000, unavailableMs: 60_000 });
    const fiber = Effect.runFork(cache.get());
    await new Promise((r) => setTimeout(r, 10));
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(Exit.isSuccess(await Effect.runPromiseExit(cache.get()))).toBe(true);
    expect(runs).toBe(2);
  });
});
