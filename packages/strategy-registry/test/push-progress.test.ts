import { describe, expect, it } from "vitest";
import type { ProgressEvent } from "@skopush/core";
import { PushProgress } from "../src/push-progress.js";

describe("PushProgress", () => {
  it("reports bytes per blob and overall, never going back on a retried blob, 100 only at the end", () => {
    const events: ProgressEvent[] = [];
    const progress = new PushProgress((e) => events.push(e), [
      { id: "sha256:config", kind: "config", total: 100 },
      { id: "sha256:a", kind: "layer", total: 1000 },
      { id: "sha256:b", kind: "layer", total: 1000 },
    ]);
    progress.preparing("start");
    progress.start("sha256:a");
    progress.bytes("sha256:a", 600);
    progress.start("sha256:a"); // a retry reads the layer again from 0
    progress.bytes("sha256:a", 300);
    progress.bytes("sha256:a", 700);
    progress.uploaded("sha256:a");
    progress.skipped("sha256:b", "skipped: already exists");
    progress.start("sha256:config");
    progress.bytes("sha256:config", 100);
    progress.uploaded("sha256:config");
    progress.manifest("r/p:v1");
    progress.finished("done");

    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(percents.slice(0, -1).every((p) => p <= 99)).toBe(true);
    const a = events.filter((e) => e.blob?.id === "sha256:a").map((e) => e.blob?.bytesDone ?? 0);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(events.find((e) => e.blob?.id === "sha256:b")?.blob?.state).toBe("skipped");
    expect(events.at(-2)?.phase).toBe("manifest");
  });
});
