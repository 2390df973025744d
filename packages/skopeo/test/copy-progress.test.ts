import { join } from "node:path";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { inspectArchive, type ArchiveSummary } from "@skopush/archive";
import type { ProgressEvent, PushPhase } from "@skopush/core";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { CopyProgress, parseOutputLine, PROGRESS_MARKS } from "../src/index.js";
import { readRecording } from "./support/recorded-output.js";
import { COPY_SCENARIOS } from "./support/skopeo-scenarios.js";
import { tempDir } from "./support/unit.js";

const PHASES: ReadonlyArray<PushPhase> = ["preparing", "uploading", "manifest", "done"];

/** The archive a recorded copy pushed, written again (fixtures are deterministic for their seed), summarised. */
const summaryOf = async (name: string): Promise<ArchiveSummary> => {
  const options = COPY_SCENARIOS[name]?.archive;
  if (!options) throw new Error(`no archive for ${name}`);
  const path = join(await tempDir("progress"), `${name}.tar`);
  await writeImageArchive(path, options);
  return Effect.runPromise(inspectArchive(path));
};

/** Replays a recorded stdout through a tracker, as skopeoCopy does. */
const replay = async (name: string, feed?: (tracker: CopyProgress, line: string) => void) => {
  const summary = await summaryOf(name);
  const { stdout } = await readRecording(name);
  const events: ProgressEvent[] = [];
  const tracker = new CopyProgress(summary, (event) => events.push(event));
  tracker.preparing(1, "inspected");
  for (const line of stdout.split("\n")) {
    feed?.(tracker, line);
    tracker.line(line);
  }
  tracker.finished("pushed");
  return { summary, events, tracker };
};

const expectWellFormed = (events: ReadonlyArray<ProgressEvent>) => {
  const percents = events.map((e) => e.percent);
  expect(percents.every((p) => Number.isInteger(p) && p >= 0 && p <= 100)).toBe(true);
  expect(percents).toEqual([...percents].sort((a, b) => a - b));
  const phases = events.map((e) => PHASES.indexOf(e.phase));
  expect(phases).toEqual([...phases].sort((a, b) => a - b));
  expect(events.at(-1)).toMatchObject({ percent: 100, phase: "done" });
};

/** Every blob's states, in order, keyed by kind and position. */
const blobHistories = (events: ReadonlyArray<ProgressEvent>) => {
  const histories = new Map<string, string[]>();
  for (const event of events) {
    if (!event.blob) continue;
    const key = `${event.blob.kind} ${event.blob.id}`;
    histories.set(key, [...(histories.get(key) ?? []), event.blob.state]);
  }
  return histories;
};

describe("parseOutputLine", () => {
  it("reads what skopeo 1.9.3 prints without a TTY", () => {
    expect(parseOutputLine("Getting image source signatures")).toEqual({ kind: "signatures" });
    expect(parseOutputLine(`Copying blob sha256:${"a".repeat(64)}`)).toEqual({ kind: "blob", id: `sha256:${"a".repeat(64)}`, state: "started" });
    expect(parseOutputLine(`Copying config sha256:${"b".repeat(64)}`)).toEqual({ kind: "config", id: `sha256:${"b".repeat(64)}`, state: "started" });
    expect(parseOutputLine("Writing manifest to image destination")).toEqual({ kind: "manifest" });
    expect(parseOutputLine("Storing signatures")).toEqual({ kind: "storing-signatures" });
  });

  it("reads a terminal's short ids, states and redraws", () => {
    expect(parseOutputLine("\u001b[2A\u001b[JCopying blob b7afbc85df36 done  \r")).toEqual({ kind: "blob", id: "b7afbc85df36", state: "done" });
    expect(parseOutputLine("Copying blob 7fb2e2069ce7 skipped: already exists  \r")).toEqual({ kind: "blob", id: "7fb2e2069ce7", state: "skipped" });
    expect(parseOutputLine("Copying config 9f6f07d43a [=====>----] 300.0b / 569.0b\r")).toEqual({ kind: "config", id: "9f6f07d43a", state: "started" });
    expect(parseOutputLine("Copying blob 7fb2e2069ce7 .      \rCopying blob 7fb2e2069ce7 done")).toMatchObject({ state: "done" });
  });

  it("leaves anything else as other", () => {
    expect(parseOutputLine("Copying 1 of 2 images in list")).toEqual({ kind: "other", line: "Copying 1 of 2 images in list" });
    expect(parseOutputLine("")).toEqual({ kind: "other", line: "" });
  });
});

describe("CopyProgress on recorded output", () => {
  it.each(["copy-docker-legacy", "copy-docker-oci", "copy-oci-archive"])(
    "%s: monotonic percent, phases in order, every layer and the config copied",
    async (name) => {
      const { summary, events, tracker } = await replay(name);
      expectWellFormed(events);
      const histories = blobHistories(events);
      expect([...histories.values()].filter((h) => h.join() === "uploading,done")).toHaveLength(summary.layerCount + 1);
      for (const event of events.filter((e) => e.blob?.kind === "layer")) {
        const layer = summary.layers.find((l) => l.digest === event.blob?.id || l.diffId === event.blob?.id);
        expect(layer, `blob ${event.blob?.id}`).toBeDefined();
        expect(event.blob?.bytesTotal).toBe(layer?.size);
      }
      expect(events.find((e) => e.phase === "manifest")?.percent).toBe(PROGRESS_MARKS.manifest);
      expect(tracker.bytesPushed).toBe(summary.totalBytes);
    },
  );

  it("copy-duplicate-layer: each listing of the repeated layer is its own blob", async () => {
    const { summary, events } = await replay("copy-duplicate-layer");
    expectWellFormed(events);
    expect(summary.layerCount).toBe(3);
    const layerEvents = events.filter((e) => e.blob?.kind === "layer");
    expect(layerEvents.filter((e) => e.blob?.state === "uploading")).toHaveLength(3);
    expect(layerEvents.filter((e) => e.blob?.state === "done")).toHaveLength(3);
  });

  it("copy-docker-legacy-tty: a terminal's short ids map to the archive's blobs, reported by full id", async () => {
    const { summary, events } = await replay("copy-docker-legacy-tty");
    expectWellFormed(events);
    const histories = blobHistories(events);
    expect([...histories.keys()].sort()).toEqual([...summary.diffIds.map((id) => `layer ${id}`), `config ${summary.configDigest}`].sort());
    expect([...histories.values()].every((h) => h.join() === "uploading,done")).toBe(true);
  });

  it("copy-docker-legacy-tty-again: blobs the registry had are skipped and not counted as pushed", async () => {
    const { summary, events, tracker } = await replay("copy-docker-legacy-tty-again");
    expectWellFormed(events);
    const skipped = events.filter((e) => e.blob?.state === "skipped");
    expect(skipped.map((e) => e.blob?.kind)).toEqual(Array(summary.layerCount).fill("layer"));
    expect(new Set(skipped.map((e) => e.blob?.id))).toEqual(new Set(summary.diffIds));
    expect(tracker.bytesPushed).toBe(summary.totalBytes - summary.layers.reduce((sum, l) => sum + l.size, 0));
  });

  it("uses the bytes skopeo read after 'Getting image source signatures', never past the blobs started", async () => {
    const summary = await summaryOf("copy-docker-legacy");
    const { stdout } = await readRecording("copy-docker-legacy");
    const events: ProgressEvent[] = [];
    const tracker = new CopyProgress(summary, (event) => events.push(event));
    const lines = stdout.split("\n");
    const firstBlob = summary.layers[0]?.size ?? 0;
    tracker.bytesReadSoFar(5_000); // reading the tar's headers before the copy starts: ignored
    tracker.line(lines[0] ?? ""); // Getting image source signatures
    expect(events.at(-1)?.percent).toBe(PROGRESS_MARKS.prepared);
    tracker.bytesReadSoFar(5_000 + summary.totalBytes); // far more than the started blobs
    expect(events.at(-1)?.percent).toBe(PROGRESS_MARKS.prepared);
    tracker.line(lines[1] ?? ""); // the first blob starts
    tracker.bytesReadSoFar(5_000 + summary.totalBytes + 1);
    const started = summary.layers.find((l) => lines[1]?.endsWith(l.diffId))?.size ?? firstBlob;
    const expected = Math.floor(PROGRESS_MARKS.prepared + ((PROGRESS_MARKS.uploaded - PROGRESS_MARKS.prepared) * started) / summary.totalBytes);
    expect(events.at(-1)).toMatchObject({ percent: expected, phase: "uploading", bytesDone: started });
    expect(events.at(-1)?.message).toMatch(/^Uploading: /);
    for (const line of lines.slice(2)) tracker.line(line);
    tracker.finished("pushed");
    expectWellFormed(events);
  });

  it("shields the push from a sink that throws", () => {
    const tracker = new CopyProgress({ layers: [], configDigest: `sha256:${"c".repeat(64)}`, configSize: 10 }, () => {
      throw new Error("sink bug");
    });
    expect(() => {
      tracker.preparing(1, "x");
      tracker.line("Getting image source signatures");
      tracker.finished("done");
    }).not.toThrow();
  });
});
