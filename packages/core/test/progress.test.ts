import { afterEach, describe, expect, it } from "vitest";
import { FallbackChain, monotonicProgress, Pusher, shieldedCall, type ProgressEvent } from "@skopush/core";
import { FakePushStrategy } from "@skopush/testkit";

// Issue 14.4: a consumer's callback, sync or async, throwing or rejecting, never breaks the push.

const unhandled: unknown[] = [];
const record = (reason: unknown) => void unhandled.push(reason);
process.on("unhandledRejection", record);
afterEach(() => void (unhandled.length = 0));

/** Lets pending rejections reach the unhandledRejection event. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

const push = (onProgress: (event: ProgressEvent) => unknown) =>
  new Pusher(new FallbackChain([new FakePushStrategy("only", { kind: "succeed", percents: [30, 70] })])).push({
    archive: "/a.tar",
    destination: "registry.test:5000/proj/app:v1",
    onProgress: onProgress as (event: ProgressEvent) => void,
  });

describe("progress callbacks", () => {
  it.each<[string, (event: ProgressEvent) => unknown]>([
    ["a sync callback that throws", () => {
      throw new Error("sync bug");
    }],
    ["an async callback that rejects", async () => {
      throw new Error("async bug");
    }],
    ["a callback returning a rejected thenable", () => ({ then: (_: unknown, reject: (error: Error) => void) => reject(new Error("thenable bug")) })],
    ["a callback that never settles", () => new Promise(() => {})],
  ])("%s: the push succeeds and no rejection goes unhandled", async (_, callback) => {
    const seen: number[] = [];
    const result = await push((event) => {
      seen.push(event.percent);
      return callback(event);
    });
    await settle();
    expect(result.status).toBe("success");
    expect(seen).toEqual([0, 30, 70, 100]);
    expect(unhandled).toEqual([]);
  });

  it("shieldedCall swallows a throw and handles a rejection", async () => {
    expect(() => shieldedCall(() => Promise.reject(new Error("late")))).not.toThrow();
    expect(() => shieldedCall(() => {
      throw new Error("now");
    })).not.toThrow();
    await settle();
    expect(unhandled).toEqual([]);
  });

  it("monotonicProgress hands an async sink each event without awaiting it", () => {
    const seen: number[] = [];
    const sink = monotonicProgress(async (event) => {
      seen.push(event.percent);
      await new Promise(() => {});
    });
    sink({ percent: 10, phase: "uploading", message: "a" });
    sink({ percent: 5, phase: "uploading", message: "b" });
    expect(seen).toEqual([10, 10]);
  });
});
