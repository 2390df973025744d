import { describe, expect, it } from "vitest";
import type { BlobProgress, ProgressEvent, PushFailure, PushSuccess } from "@skopush/core";
import { jsonResultOf, terminalStyle } from "@skopush/cli";
import { formatBytes, formatDuration, shortDigest } from "../src/output/format.js";
import { HIDE_CURSOR, liveProgress, SHOW_CURSOR } from "../src/output/live-progress.js";
import { plainProgress } from "../src/output/plain-progress.js";
import { failureLines, skippedAttemptLines, successLine } from "../src/output/result-output.js";
import { paletteOf } from "../src/output/terminal.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const LAYER = `sha256:${"3f".repeat(32)}`;
const plain = paletteOf({ color: false });
const colored = paletteOf({ color: true });
const ESC = "\u001b[";

const success: PushSuccess = {
  status: "success",
  image: "registry.test/demo/app:v1",
  digest: DIGEST,
  method: "native",
  bytesPushed: 3 * 1024 * 1024,
  verified: true,
  compression: "gzip",
  attempts: [
    { strategy: "docker-exec", outcome: "unavailable", reason: "unavailable: container skopeo-service does not exist", error: "StrategyUnavailable", durationMs: 3 },
    { strategy: "native", outcome: "success", durationMs: 1200 },
  ],
  durationMs: 1234,
};

const failure: PushFailure = {
  status: "error",
  image: "registry.test/demo/app:v1",
  message: "[skopush] authentication to registry.test failed for user \"ci\": unauthorized. Fix: check the username and password",
  error: "AuthenticationFailed",
  retryable: false,
  attempts: [
    { strategy: "docker-exec", outcome: "unavailable", reason: "unavailable: no docker", error: "StrategyUnavailable", durationMs: 2 },
    { strategy: "native", outcome: "failed", reason: "unauthorized", error: "AuthenticationFailed", durationMs: 80 },
  ],
  durationMs: 90,
};

describe("terminalStyle", () => {
  it.each([
    [{ isTTY: true }, {}, { live: true, color: true }],
    [{ isTTY: true }, { CI: "true" }, { live: false, color: true }],
    [{ isTTY: true }, { CI: "false" }, { live: true, color: true }],
    [{ isTTY: true }, { NO_COLOR: "1" }, { live: true, color: false }],
    [{ isTTY: true }, { NO_COLOR: "" }, { live: true, color: true }],
    [{ isTTY: true }, { TERM: "dumb" }, { live: false, color: false }],
    [{ isTTY: false }, {}, { live: false, color: false }],
    [{ isTTY: false }, { FORCE_COLOR: "1" }, { live: false, color: true }],
    [{ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" }, { live: false, color: false }],
  ])("%j with %j → %j", (stream, env, expected) => {
    expect(terminalStyle({ write: () => true, ...stream }, env)).toMatchObject(expected);
  });
});

describe("formatting", () => {
  it("formats bytes, durations and digests", () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(3 * 1024 ** 3)]).toEqual(["512 B", "1.5 KiB", "3.0 GiB"]);
    expect([formatDuration(850), formatDuration(1234), formatDuration(65_000)]).toEqual(["850 ms", "1.2 s", "1m 5s"]);
    expect(shortDigest(LAYER)).toBe(`sha256:${"3f".repeat(6)}`);
  });
});

describe("result output", () => {
  it("names the image, digest, strategy and time on the last line", () => {
    expect(successLine(success, plain)).toBe(`✔ pushed registry.test/demo/app:v1 ${DIGEST} with native in 1.2 s (3.0 MiB)\n`);
  });

  it("notes the strategies that did not push", () => {
    expect(skippedAttemptLines(success, plain)).toBe("  docker-exec: unavailable: container skopeo-service does not exist\n");
  });

  it("prints the message, the tag and every attempt on failure", () => {
    const text = failureLines(failure, plain);
    expect(text).toContain(`✖ ${failure.message} [AuthenticationFailed]`);
    expect(text).toContain("    docker-exec: unavailable: no docker\n");
    expect(text).toContain("    native: unauthorized\n");
  });

  it("does not repeat the attempts NoStrategyAvailable already lists", () => {
    const text = failureLines({ ...failure, error: "NoStrategyAvailable", message: "[skopush] no push strategy could push here:\n  - native: x" }, plain);
    expect(text).not.toContain("attempts:");
  });

  it("uses colour only when the style says so", () => {
    expect(successLine(success, plain)).not.toContain(ESC);
    expect(successLine(success, colored)).toContain(`${ESC}32m✔${ESC}39m`);
  });

  it("renders JSON with the documented keys", () => {
    expect(Object.keys(jsonResultOf(success))).toEqual(["status", "image", "digest", "method", "bytesPushed", "verified", "compression", "attempts", "durationMs"]);
    expect(jsonResultOf(failure)).toEqual({
      status: "error",
      image: failure.image,
      error: "AuthenticationFailed",
      message: failure.message,
      retryable: false,
      attempts: failure.attempts,
      durationMs: 90,
    });
  });
});

const event = (percent: number, extra: Partial<ProgressEvent> = {}): ProgressEvent => ({
  percent,
  phase: "uploading",
  message: `Copying blob ${LAYER}`,
  strategy: "native",
  ...extra,
});

describe("plain progress (CI, pipes)", () => {
  it("prints a line per strategy, phase, blob state and tenth, and no cursor movement", () => {
    let clock = 0;
    let text = "";
    const renderer = plainProgress({ write: (t) => (text += t), palette: plain, now: () => clock });
    renderer.onEvent({ percent: 0, phase: "preparing", message: "trying native", strategy: "native" });
    renderer.onEvent(event(1, { blob: { id: LAYER, kind: "layer", state: "uploading", bytesDone: 0, bytesTotal: 2048 } }));
    renderer.onEvent(event(3, { blob: { id: LAYER, kind: "layer", state: "uploading", bytesDone: 100, bytesTotal: 2048 } }));
    renderer.onEvent(event(5, { blob: { id: LAYER, kind: "layer", state: "uploading", bytesDone: 200, bytesTotal: 2048 } }));
    renderer.onEvent(event(12, { blob: { id: LAYER, kind: "layer", state: "uploading", bytesDone: 1024, bytesTotal: 2048 } }));
    renderer.onEvent(event(60, { blob: { id: LAYER, kind: "layer", state: "done", bytesDone: 2048, bytesTotal: 2048 } }));
    renderer.onEvent({ percent: 90, phase: "manifest", message: "Writing manifest", strategy: "native" });
    renderer.onEvent({ percent: 100, phase: "done", message: "pushed", strategy: "native" });
    renderer.finish();
    expect(text.split("\n").filter(Boolean)).toEqual([
      "[  0%] native: trying native",
      `[  1%] native: Copying blob ${LAYER}`,
      `[ 12%] native: Copying blob ${LAYER} 1.0 KiB/2.0 KiB`,
      `[ 60%] native: Copying blob ${LAYER}`,
      "[ 90%] native: Writing manifest",
      "[100%] native: pushed",
    ]);
    expect(text).not.toContain(ESC);
  });

  it("prints other message changes at most once a second", () => {
    let clock = 0;
    let text = "";
    const renderer = plainProgress({ write: (t) => (text += t), palette: plain, now: () => clock });
    renderer.onEvent(event(1, { message: "a" }));
    renderer.onEvent(event(2, { message: "b" }));
    clock = 1500;
    renderer.onEvent(event(3, { message: "c" }));
    expect(text.split("\n").filter(Boolean)).toEqual(["[  1%] native: a", "[  3%] native: c"]);
  });
});

describe("live progress (terminal)", () => {
  const render = (events: ProgressEvent[], options: { columns?: number; end?: "success" | "failure" } = {}) => {
    let clock = 0;
    const writes: string[] = [];
    const renderer = liveProgress({ write: (t) => void writes.push(t), palette: plain, columns: options.columns ?? 100, now: () => (clock += 100) });
    events.forEach(renderer.onEvent);
    renderer.finish(options.end);
    return writes;
  };
  /** The screen after the writes: cursor movements applied (line-up and clear), sequences removed. */
  const screen = (writes: ReadonlyArray<string>): string[] => {
    const lines: string[] = [];
    for (const write of writes) {
      let text = write.replaceAll(HIDE_CURSOR, "").replaceAll(SHOW_CURSOR, "");
      const moved = /^\u001b\[(\d+)F\u001b\[0J/.exec(text);
      if (moved) {
        lines.splice(lines.length - Number(moved[1]));
        text = text.slice(moved[0].length);
      }
      lines.push(...text.split("\n").filter((line) => line !== ""));
    }
    return lines;
  };
  const blob = (id: string, state: BlobProgress["state"], bytesDone = 0, bytesTotal = 2048): Partial<ProgressEvent> => ({
    blob: { id, kind: "layer", state, bytesDone, bytesTotal },
  });
  const A = `sha256:${"aa".repeat(32)}`;
  const B = `sha256:${"bb".repeat(32)}`;
  const C = `sha256:${"cc".repeat(32)}`;
  const start = (strategy: string, description: string): ProgressEvent => ({ percent: 0, phase: "preparing", message: description, strategy, strategyDescription: description });

  it("says first which strategy pushes and how, then what it does", () => {
    const lines = screen(
      render([start("docker-exec", "skopeo in container skopeo-service"), event(5, { strategy: "docker-exec", strategyDescription: "skopeo in container skopeo-service", message: "Getting image source signatures", phase: "uploading" })]),
    );
    expect(lines[0]).toBe("docker-exec: skopeo in container skopeo-service");
    expect(lines[1]).toBe("  Getting image source signatures");
  });

  it("draws a bar per layer, redraws in place, and keeps each row where it started", () => {
    const writes = render([
      start("native", "skopeo on this host"),
      event(10, blob(A, "uploading", 512)),
      event(20, blob(B, "uploading", 0)),
      event(40, blob(C, "skipped")),
      event(70, blob(A, "done", 2048)),
      event(75, blob(B, "uploading", 1536)),
    ]);
    const lines = screen(writes);
    const rows = lines.filter((line) => line.startsWith("  layer"));
    expect(rows).toEqual([
      `  layer  ${shortDigest(A)} done 2.0 KiB`,
      expect.stringMatching(new RegExp(`^  layer  ${shortDigest(B)}\\s+█+░+  75% 1\\.5 KiB/2\\.0 KiB$`)),
      `  layer  ${shortDigest(C)} already in the registry`,
    ]);
    expect(writes.slice(1).every((w) => w.startsWith(`${ESC}`))).toBe(true);
  });

  it("shows the bytes and the rate on the overall line", () => {
    let clock = 0;
    const writes: string[] = [];
    const renderer = liveProgress({ write: (t) => void writes.push(t), palette: plain, columns: 100, now: () => clock });
    renderer.onEvent(start("docker-exec", "skopeo in container x"));
    renderer.onEvent(event(5, { bytesDone: 0, bytesTotal: 100 * 2 ** 20 }));
    clock = 2_000;
    renderer.onEvent(event(40, { bytesDone: 40 * 2 ** 20, bytesTotal: 100 * 2 ** 20 }));
    expect(screen(writes).at(-1)).toMatch(/ 40% 40\.0 MiB of 100\.0 MiB · 20\.0 MiB\/s$/);
  });

  it("hides the cursor while it draws and shows it again at the end, on success and on failure", () => {
    for (const end of ["success", "failure"] as const) {
      const text = render([start("native", "skopeo on this host"), event(30)], { end }).join("");
      expect(text.indexOf(HIDE_CURSOR)).toBeGreaterThanOrEqual(0);
      expect(text.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(text.lastIndexOf(HIDE_CURSOR));
    }
  });

  it("after a failure, replaces the frame by one line saying where the push stopped", () => {
    const lines = screen(
      render([start("docker-exec", "skopeo in container x"), event(37, { strategy: "docker-exec", bytesDone: 85 * 2 ** 20, bytesTotal: 231 * 2 ** 20, ...blob(A, "uploading") })], {
        end: "failure",
      }),
    );
    expect(lines).toEqual([expect.stringMatching(/^docker-exec stopped at 37% 85\.0 MiB of 231\.0 MiB/)]);
  });

  it("summarises finished blobs when there are more than it shows, keeping the active ones in view", () => {
    let clock = 0;
    const writes: string[] = [];
    const renderer = liveProgress({ write: (t) => void writes.push(t), palette: plain, columns: 100, now: () => (clock += 100), maxBlobLines: 3 });
    const ids = [1, 2, 3, 4, 5].map((n) => `sha256:${String(n).repeat(64)}`);
    for (const id of ids.slice(0, 3)) renderer.onEvent(event(10, blob(id, "done", 2048)));
    for (const id of ids.slice(3)) renderer.onEvent(event(20, blob(id, "uploading", 100)));
    const lines = screen(writes).filter((line) => line.startsWith("  "));
    expect(lines[0]).toBe("  3 blobs done or already in the registry");
    expect(lines.slice(1, 3).map((line) => line.slice(9, 28).trim())).toEqual(ids.slice(3).map(shortDigest));
  });

  it("cuts lines to the terminal width so redraws never miscount", () => {
    const writes = render([event(10, { message: "x".repeat(300) })], { columns: 60 });
    for (const line of writes.join("").split("\n")) expect(line.replace(/\u001b\[\??[0-9;]*[A-Za-z]/g, "").length).toBeLessThan(60);
  });

  it("fits a terminal narrower than 40 columns: no line wraps, so a redraw leaves no stale rows (red team of issue 16)", () => {
    const style = terminalStyle({ write: () => true, isTTY: true, columns: 20 }, {});
    const blob = { id: `sha256:${"a".repeat(64)}`, kind: "layer" as const, state: "uploading" as const, bytesDone: 1024, bytesTotal: 4096 };
    const writes = render([start("docker-exec", "skopeo in container skopeo-service"), event(40, { strategy: "docker-exec", blob, bytesDone: 1024, bytesTotal: 4096, phase: "uploading" })], { columns: style.columns });
    for (const line of writes.join("").split("\n")) expect(line.replace(/\u001b\[\??[0-9;]*[A-Za-z]/g, "").length).toBeLessThan(20);
  });

  it("draws the frames after a resize at the terminal's new width (the width is asked at every frame)", () => {
    let columns = 100;
    let clock = 0;
    const writes: string[] = [];
    const renderer = liveProgress({ write: (t) => void writes.push(t), palette: plain, columns: () => columns, now: () => (clock += 100) });
    const blob = (bytesDone: number) => ({ id: `sha256:${"a".repeat(64)}`, kind: "layer" as const, state: "uploading" as const, bytesDone, bytesTotal: 4096 });
    renderer.onEvent(start("docker-exec", "skopeo in container skopeo-service, a description long enough to be cut"));
    renderer.onEvent(event(40, { strategy: "docker-exec", blob: blob(1024), bytesDone: 1024, bytesTotal: 4096, phase: "uploading" }));
    const wide = writes.length;
    columns = 24;
    renderer.onEvent(event(60, { strategy: "docker-exec", blob: blob(2048), bytesDone: 2048, bytesTotal: 4096, phase: "uploading" }));
    const narrow = writes.slice(wide).join("").split("\n").map((line) => line.replace(/\u001b\[\??[0-9;]*[A-Za-z]/g, ""));
    expect(narrow.length).toBeGreaterThan(1);
    for (const line of narrow) expect(line.length).toBeLessThan(24);
  });

  it("keeps a line saying the chain moved on when the strategy changes", () => {
    const writes = render([start("docker-exec", "skopeo in container x"), start("native", "skopeo on this host")]);
    expect(screen(writes)[0]).toBe("docker-exec did not push; skopeo on this host");
  });
});

describe("live progress details", () => {
  it("shows a blob without byte counts as uploading, and does not redraw an unchanged frame on finish", () => {
    const writes: string[] = [];
    let clock = 0;
    const renderer = liveProgress({ write: (t) => void writes.push(t), palette: plain, columns: 100, now: () => clock });
    renderer.onEvent(event(5, { blob: { id: LAYER, kind: "layer", state: "uploading", bytesDone: 0, bytesTotal: 3 * 1024 * 1024 } }));
    expect(writes.join("")).toContain("uploading 3.0 MiB");
    const drawn = writes.length;
    renderer.finish();
    expect(writes.slice(drawn)).toEqual([SHOW_CURSOR]);
    clock += 10;
    const later = liveProgress({ write: (t) => void writes.push(t), palette: plain, columns: 100, now: () => clock });
    later.onEvent(event(5));
    later.onEvent(event(6));
    const beforeFinish = writes.length;
    later.finish();
    expect(writes.length).toBe(beforeFinish + 2);
  });
});
