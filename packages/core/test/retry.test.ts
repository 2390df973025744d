import { Clock, Effect, Exit, Fiber } from "effect";
import { TestClock } from "effect/testing";
import { describe, expect, it } from "vitest";
import { AuthenticationFailed, describeRetryWait, RegistryError, retryTransient, type RetryWait } from "@skopush/core";

const settings = { times: 3, baseDelayMs: 1, maxDelayMs: 5 };

const flaky = (errors: ReadonlyArray<RegistryError | AuthenticationFailed>) => {
  let calls = 0;
  const effect = Effect.suspend(() => {
    const error = errors[calls++];
    return error ? Effect.fail(error) : Effect.succeed("ok");
  });
  return { effect, calls: () => calls };
};

const unavailable = (retryAfterMs?: number) =>
  new RegistryError({ registry: "r", status: 503, reason: "busy", retryAfterMs });

describe("retryTransient", () => {
  it("retries retryable errors until success", async () => {
    const { effect, calls } = flaky([unavailable(), unavailable()]);
    expect(await Effect.runPromise(effect.pipe(retryTransient(settings)))).toBe("ok");
    expect(calls()).toBe(3);
  });

  it("gives up after `times` retries with the last error", async () => {
    const { effect, calls } = flaky([unavailable(), unavailable(), unavailable(), unavailable(), unavailable()]);
    const exit = await Effect.runPromiseExit(effect.pipe(retryTransient(settings)));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(calls()).toBe(4);
  });

  it("never retries an error that is not retryable", async () => {
    const { effect, calls } = flaky([new AuthenticationFailed({ registry: "r", reason: "unauthorized" })]);
    const exit = await Effect.runPromiseExit(effect.pipe(retryTransient(settings)));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(calls()).toBe(1);
  });

  it("waits at least as long as Retry-After asks, beyond maxDelayMs", async () => {
    const { effect, calls } = flaky([unavailable(120)]);
    const retriesAt = await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* effect.pipe(retryTransient(settings), Effect.forkChild);
        const seen: Array<[number, number]> = [];
        for (const step of [1, 118, 1]) {
          yield* TestClock.adjust(step);
          yield* Effect.yieldNow;
          seen.push([yield* Clock.currentTimeMillis, calls()]);
        }
        expect(yield* Fiber.join(fiber)).toBe("ok");
        return seen;
      }).pipe(Effect.provide(TestClock.layer())),
    );
    // On the test clock: still one call at 119 ms (maxDelayMs is 5), the retry at 120 ms.
    expect(retriesAt).toEqual([
      [1, 1],
      [119, 1],
      [120, 2],
    ]);
  });

  it("cuts a Retry-After longer than maxRetryAfterMs to it, and says so to the listener", async () => {
    const { effect } = flaky([unavailable(600_000)]);
    const waits: RetryWait[] = [];
    const started = performance.now();
    await Effect.runPromise(effect.pipe(retryTransient({ ...settings, maxRetryAfterMs: 150 }, (wait) => waits.push(wait))));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(10_000);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ delayMs: 150, askedMs: 600_000, capped: true });
    expect(describeRetryWait(waits[0]!)).toMatch(/^Waiting 0\.1 s before trying again: the registry asked for 600 s \(Retry-After\), capped at 0\.1 s \(retry\.maxRetryAfterMs\): .*busy/);
  });

  it("caps Retry-After at 60 s by default", async () => {
    const waits: RetryWait[] = [];
    const { effect } = flaky([unavailable(600_000)]);
    const fiber = Effect.runFork(effect.pipe(retryTransient(settings, (wait) => waits.push(wait))));
    await new Promise((resolve) => setTimeout(resolve, 50));
    fiber.interruptUnsafe();
    expect(waits[0]).toMatchObject({ delayMs: 60_000, askedMs: 600_000, capped: true });
  });

  it("a throwing listener does not change the retry", async () => {
    const { effect, calls } = flaky([unavailable(), unavailable()]);
    const result = await Effect.runPromise(
      effect.pipe(
        retryTransient(settings, () => {
          throw new Error("listener bug");
        }),
      ),
    );
    expect(result).toBe("ok");
    expect(calls()).toBe(2 + 1);
  });

  it("treats 429, 502, 503 and 504 as retryable, other statuses not", () => {
    const retryable = [429, 502, 503, 504, 500, 400, 404].map(
      (status) => new RegistryError({ registry: "r", status, reason: "x" }).isRetryable,
    );
    expect(retryable).toEqual([true, true, true, true, false, false, false]);
  });
});
