import { describe, expect, it } from "vitest";
import { FallbackChain, Pusher, type ProgressEvent } from "@skopush/core";
import { FakePushStrategy } from "@skopush/testkit";
import { progressCallbackSink } from "skopush";

describe("progressCallbackSink", () => {
  it("hands the (percent, message) callback what the event sink receives", async () => {
    const events: ProgressEvent[] = [];
    const calls: Array<[number, string]> = [];
    const callback = progressCallbackSink((percent, message) => calls.push([percent, message]));
    await new Pusher(new FallbackChain([new FakePushStrategy("only", { kind: "succeed", percents: [30, 70] })])).push({
      archive: "/a.tar",
      destination: "registry.test:5000/proj/app:v1",
      onProgress: (event) => {
        events.push(event);
        callback(event);
      },
    });
    expect(calls).toEqual(events.map((event) => [event.percent, event.message]));
    expect(calls.map(([percent]) => percent)).toEqual([0, 30, 70, 100]);
  });
});
