import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import { describe, expect, it } from "vitest";
import { STALL_PROGRESS_BYTES, stallWatch } from "../src/stall-watch.js";

const where = { registry: "127.0.0.1:5000", destination: "127.0.0.1:5000/p/app:v1" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("stallWatch", () => {
  it("fails with Timeout (stage stall) naming the address once the byte count stood still for stallMs", async () => {
    const watch = stallWatch(60, where);
    watch.bytes(1000);
    const exit = await Effect.runPromiseExit(watch.expired);
    expect(Exit.isFailure(exit)).toBe(true);
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined;
    expect(error?._tag === "Fail" && error.error).toMatchObject({ _tag: "Timeout", stage: "stall", afterMs: 60 });
    expect(error?._tag === "Fail" && error.error.message).toContain("skopeo moved no byte to or from 127.0.0.1:5000 for 60 ms (1000 bytes read in all)");
  });

  it("does not fire while bytes or lines keep moving, nor before the host reported any byte count", async () => {
    // The limit is far above the 25 ms steps (the watch measures wall time, so an event loop stalled on a
    // loaded machine for longer than a tight limit is "no movement" too: 80 ms failed under load 12), and
    // the moves go on for more than twice the limit, so a watch that ignored them would fire.
    const moving = stallWatch(500, where);
    const unarmed = stallWatch(40, where);
    let fired = 0;
    const fibers = [moving, unarmed].map((w) => Effect.runFork(w.expired.pipe(Effect.tapError(() => Effect.sync(() => void fired++)))));
    for (let i = 0; i < 48; i++) {
      if (i % 2 === 0) moving.bytes(i * STALL_PROGRESS_BYTES);
      else moving.line();
      await sleep(25);
    }
    expect(fired).toBe(0);
    await Promise.all(fibers.map((fiber) => Effect.runPromise(Fiber.interrupt(fiber))));
  });

  it("a blocked skopeo's runtime noise (a few bytes of rchar every sample) is not progress", async () => {
    // Measured on a skopeo blocked on a silent registry: rchar 50751 → 50754 → 50759 → 50763, one sample
    // every ~2 s (the Go runtime's own reads). Issue 14: such a push must still end at the stall limit.
    const watch = stallWatch(150, where);
    let bytes = 50_751;
    watch.bytes(bytes);
    const noise = setInterval(() => watch.bytes((bytes += 4)), 20);
    const exit = await Effect.runPromiseExit(watch.expired.pipe(Effect.timeout(3_000)));
    clearInterval(noise);
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined;
    expect(error?._tag === "Fail" && error.error).toMatchObject({ _tag: "Timeout", stage: "stall", afterMs: 150 });
  });
});
