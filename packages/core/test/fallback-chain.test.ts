import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import {
  AuthenticationFailed,
  CommandFailed,
  defaultPushTimeouts,
  EnvironmentFault,
  FallbackChain,
  ManifestRejected,
  RegistryUnreachable,
  type ChainSuccess,
  type ProgressEvent,
  type PushFailed,
  type PushStrategy,
} from "@skopush/core";
import { FAKE_DIGEST, FakePushStrategy } from "@skopush/testkit";
import { request } from "./support.js";

/** `fake`, limited to the destinations of one registry host. */
const limitedTo = (registry: string, fake: FakePushStrategy): PushStrategy => ({
  name: fake.name,
  supports: (req) => req.destination.registry === registry,
  probe: () => fake.probe(),
  push: (req, progress) => fake.push(req, progress),
});

const run = (chain: FallbackChain, req = request(), progress?: (e: ProgressEvent) => void) =>
  Effect.runPromiseExit(chain.push(req, progress));

const succeeded = (exit: Exit.Exit<ChainSuccess, PushFailed>): ChainSuccess => {
  if (!Exit.isSuccess(exit)) throw new Error(`expected success, got ${String(exit.cause)}`);
  return exit.value;
};

const failed = (exit: Exit.Exit<ChainSuccess, PushFailed>): PushFailed => {
  if (Exit.isSuccess(exit)) throw new Error("expected failure, got success");
  const error = exit.cause.reasons.find((r) => r._tag === "Fail");
  if (!error || error._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`);
  return error.error;
};

describe("FallbackChain", () => {
  it("uses the first strategy that works and records it", async () => {
    const first = FakePushStrategy.succeeding("first", `sha256:${"1".repeat(64)}`);
    const second = FakePushStrategy.succeeding("second");
    const result = succeeded(await run(new FallbackChain([first, second])));
    expect(result.strategy).toBe("first");
    expect(result.outcome.digest).toBe(`sha256:${"1".repeat(64)}`);
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([["first", "success"]]);
    expect(second.probes + second.pushes.length).toBe(0);
  });

  it("skips a strategy whose supports(request) says no, without probing it, and records it as unavailable", async () => {
    const fake = FakePushStrategy.succeeding("elsewhere-only");
    const limited = limitedTo("elsewhere.test", fake);
    const general = FakePushStrategy.succeeding("general");
    const result = succeeded(await run(new FallbackChain([limited, general])));
    expect(result.strategy).toBe("general");
    expect(result.attempts.map((a) => [a.strategy, a.outcome, a.error])).toEqual([
      ["elsewhere-only", "unavailable", "StrategyUnavailable"],
      ["general", "success", undefined],
    ]);
    expect(result.attempts[0]?.reason).toContain("does not push to registry.test");
    expect(fake.probes + fake.pushes.length).toBe(0);
  });

  it("records the reason and fix a strategy's supports(request) gives, without probing it", async () => {
    const fake = FakePushStrategy.succeeding("gzip-only");
    const picky: PushStrategy = {
      name: fake.name,
      supports: (req) =>
        req.compression === "none" ? { supported: false, reason: "it cannot push uncompressed layers (compression none)", fix: "use gzip" } : true,
      probe: () => fake.probe(),
      push: (req, progress) => fake.push(req, progress),
    };
    const general = FakePushStrategy.succeeding("general");
    const result = succeeded(await run(new FallbackChain([picky, general]), { ...request(), compression: "none" }));
    expect(result.strategy).toBe("general");
    expect(result.attempts[0]).toMatchObject({ strategy: "gzip-only", outcome: "unavailable", error: "StrategyUnavailable" });
    expect(result.attempts[0]?.reason).toContain("it cannot push uncompressed layers (compression none)");
    expect(fake.probes + fake.pushes.length).toBe(0);
    expect(succeeded(await run(new FallbackChain([picky, general]), { ...request(), compression: "gzip" })).strategy).toBe("gzip-only");
  });

  it("uses a strategy whose supports(request) says yes", async () => {
    const fake = FakePushStrategy.succeeding("own");
    const result = succeeded(await run(new FallbackChain([limitedTo("registry.test", fake), FakePushStrategy.succeeding("next")])));
    expect(result.strategy).toBe("own");
    expect(fake.probes).toBe(1);
    expect(fake.pushes.length).toBe(1);
  });

  it("moves past unavailable strategies in order and lists every attempt", async () => {
    const a = FakePushStrategy.unavailable("docker-exec", "container skopeo-service is not running");
    const b = FakePushStrategy.unavailable("dockerode", "daemon did not answer");
    const c = FakePushStrategy.succeeding("native");
    const result = succeeded(await run(new FallbackChain([a, b, c])));
    expect(result.strategy).toBe("native");
    expect(result.attempts.map((x) => [x.strategy, x.outcome, x.error])).toEqual([
      ["docker-exec", "unavailable", "StrategyUnavailable"],
      ["dockerode", "unavailable", "StrategyUnavailable"],
      ["native", "success", undefined],
    ]);
    expect(result.attempts[0]?.reason).toContain("container skopeo-service is not running");
    expect(a.pushes).toHaveLength(0);
    for (const attempt of result.attempts) expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
  });

  it.each([
    new EnvironmentFault({ strategy: "first", reason: "docker daemon went away" }),
    new CommandFailed({ strategy: "first", command: "skopeo copy", exitCode: 2, stderr: "something odd" }),
  ])("falls through on an environment fault or unrecognised failure (%s)", async (error) => {
    const second = FakePushStrategy.succeeding("second");
    const result = succeeded(await run(new FallbackChain([FakePushStrategy.failing("first", error), second])));
    expect(result.strategy).toBe("second");
    expect(result.attempts[0]).toMatchObject({ outcome: "failed", error: error._tag });
  });

  it.each([
    new AuthenticationFailed({ registry: "registry.test", username: "robot$proj+ci", reason: "unauthorized" }),
    new ManifestRejected({ registry: "registry.test", reference: "proj/app:v1", reason: "blob unknown" }),
    new RegistryUnreachable({ registry: "registry.test", reason: "connection refused" }),
  ])("stops at once on an error that would fail everywhere (%s)", async (error) => {
    const first = FakePushStrategy.failing("first", error);
    const second = FakePushStrategy.succeeding("second");
    const failure = failed(await run(new FallbackChain([first, second])));
    expect(failure.reason).toBe(error);
    expect(failure.attempts).toHaveLength(1);
    expect(first.pushes).toHaveLength(1);
    expect(second.probes + second.pushes.length).toBe(0);
  });

  it("reports NoStrategyAvailable with every reason when nothing can run", async () => {
    const failure = failed(
      await run(
        new FallbackChain([
          FakePushStrategy.unavailable("docker-exec", "docker CLI not found"),
          FakePushStrategy.unavailable("native", "skopeo not found on PATH"),
        ]),
      ),
    );
    expect(failure.reason._tag).toBe("NoStrategyAvailable");
    expect(failure.message).toContain("docker-exec");
    expect(failure.message).toContain("docker CLI not found");
    expect(failure.message).toContain("skopeo not found on PATH");
    expect(failure.attempts.map((a) => a.outcome)).toEqual(["unavailable", "unavailable"]);
  });

  it("fails with NoStrategyAvailable when no strategy is configured", async () => {
    const failure = failed(await run(new FallbackChain([])));
    expect(failure.reason._tag).toBe("NoStrategyAvailable");
    expect(failure.attempts).toEqual([]);
  });

  it("turns a strategy that throws into StrategyFailed and moves on", async () => {
    const broken = new FakePushStrategy("broken", { kind: "die", defect: new Error("undefined is not a function") });
    const result = succeeded(await run(new FallbackChain([broken, FakePushStrategy.succeeding("next")])));
    expect(result.attempts[0]).toMatchObject({ strategy: "broken", outcome: "failed", error: "StrategyFailed" });
    expect(result.attempts[0]?.reason).toContain("undefined is not a function");
  });

  it("counts a probe that hangs as unavailable after the probe timeout", async () => {
    const slow: PushStrategy = {
      name: "slow",
      probe: () => Effect.never,
      push: () => Effect.die("never pushed"),
    };
    const result = succeeded(
      await run(new FallbackChain([slow, FakePushStrategy.succeeding("next")], { probeTimeoutMs: 20 })),
    );
    expect(result.attempts[0]).toMatchObject({ strategy: "slow", outcome: "unavailable" });
    expect(result.attempts[0]?.reason).toContain("20 ms");
  });

  it("delivers monotonic integer percents, tagged with the strategy, ending at 100", async () => {
    const events: ProgressEvent[] = [];
    const first = new FakePushStrategy("first", {
      kind: "fail",
      error: new EnvironmentFault({ strategy: "first", reason: "container stopped" }),
    });
    // The first strategy got to 60% before failing; the second starts from 0 again.
    const reporting: PushStrategy = {
      name: "first",
      probe: () => first.probe(),
      push: (req, progress) =>
        Effect.sync(() => progress({ percent: 60.7, phase: "uploading", message: "half way" })).pipe(
          Effect.andThen(first.push(req, progress)),
        ),
    };
    const second = new FakePushStrategy("second", { kind: "succeed", percents: [10, 40, 35, 90, 150] });
    succeeded(await run(new FallbackChain([reporting, second]), request(), (e) => events.push(e)));
    const percents = events.map((e) => e.percent);
    expect(percents.every((p) => Number.isInteger(p) && p >= 0 && p <= 100)).toBe(true);
    expect(percents).toEqual([...percents].sort((x, y) => x - y));
    expect(percents.at(-1)).toBe(100);
    expect(events.at(-1)).toMatchObject({ phase: "done", strategy: "second" });
    expect(new Set(events.map((e) => e.strategy))).toEqual(new Set(["first", "second"]));
  });

  it("keeps pushing when a progress consumer throws", async () => {
    const result = succeeded(
      await run(new FallbackChain([FakePushStrategy.succeeding("only")]), request(), () => {
        throw new Error("consumer bug");
      }),
    );
    expect(result.outcome.digest).toBe(FAKE_DIGEST);
  });

  it("cancels on abort: interrupts the push, waits for its cleanup, records the attempt", async () => {
    const hanging = FakePushStrategy.hanging("slow");
    const next = FakePushStrategy.succeeding("next");
    const controller = new AbortController();
    const pending = run(new FallbackChain([hanging, next]), request({ signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const failure = failed(await pending);
    expect(failure.reason._tag).toBe("PushCancelled");
    expect(hanging.cleanups).toBe(1);
    expect(failure.attempts).toMatchObject([{ strategy: "slow", outcome: "cancelled", error: "PushCancelled" }]);
    expect(next.probes).toBe(0);
  });

  it("after a cancel, asks landedAfterCancel once the attempt stopped: an image under the tag makes it a success with cancelledTooLate", async () => {
    const hanging = FakePushStrategy.hanging("slow");
    const controller = new AbortController();
    const asked: number[] = [];
    const chain = new FallbackChain([hanging], {
      landedAfterCancel: () => Effect.sync(() => (asked.push(hanging.cleanups), { digest: FAKE_DIGEST, bytesPushed: 0, verified: true })),
    });
    const pending = run(chain, request({ signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const result = succeeded(await pending);
    expect(asked).toEqual([1]);
    expect(result.outcome).toMatchObject({ digest: FAKE_DIGEST, verified: true, cancelledTooLate: true });
    expect(result.attempts).toMatchObject([{ strategy: "slow", outcome: "success" }]);
  });

  it("after a cancel, stays PushCancelled when landedAfterCancel finds nothing or fails", async () => {
    for (const landed of [() => Effect.succeed(undefined), () => Effect.die(new Error("registry gone"))]) {
      const controller = new AbortController();
      const pending = run(new FallbackChain([FakePushStrategy.hanging("slow")], { landedAfterCancel: landed }), request({ signal: controller.signal }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      expect(failed(await pending).reason._tag).toBe("PushCancelled");
    }
  });

  it("ends the whole push at timeouts.totalMs: the running strategy is stopped and cleaned up, no other is tried", async () => {
    const hanging = FakePushStrategy.hanging("slow");
    const next = FakePushStrategy.succeeding("next");
    const base = request();
    const failure = failed(await run(new FallbackChain([hanging, next]), request({ timeouts: { ...defaultPushTimeouts, totalMs: 50 } })));
    expect(failure.reason).toMatchObject({ _tag: "Timeout", stage: "total", afterMs: 50 });
    expect(failure.message).toContain(`the push to ${base.destination.registry} did not finish within 50 ms`);
    expect(hanging.cleanups).toBe(1);
    expect(failure.attempts).toMatchObject([{ strategy: "slow", outcome: "failed", error: "Timeout" }]);
    expect(next.probes).toBe(0);
  });

  it("does not start when the signal is already aborted", async () => {
    const only = FakePushStrategy.succeeding("only");
    const failure = failed(await run(new FallbackChain([only]), request({ signal: AbortSignal.abort("shutting down") })));
    expect(failure.reason._tag).toBe("PushCancelled");
    expect(failure.message).toContain("shutting down");
    expect(only.pushes).toHaveLength(0);
  });

  it("honours a custom fallback policy", async () => {
    const error = new RegistryUnreachable({ registry: "registry.test", reason: "connection refused from inside the container" });
    const chain = new FallbackChain([FakePushStrategy.failing("first", error), FakePushStrategy.succeeding("second")], {
      policy: { decide: () => "next" },
    });
    expect(succeeded(await run(chain)).strategy).toBe("second");
  });

  it("probes every strategy for diagnostics without pushing", async () => {
    const a = FakePushStrategy.unavailable("a", "nope");
    const b = FakePushStrategy.succeeding("b");
    const reports = await Effect.runPromise(new FallbackChain([a, b]).probeAll());
    expect(reports.map((r) => [r.strategy, r.available, r.reason])).toEqual([
      ["a", false, "nope"],
      ["b", true, undefined],
    ]);
    expect(b.pushes).toHaveLength(0);
  });
});
