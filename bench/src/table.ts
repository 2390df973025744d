import { childReportOf } from "./child-report.js";
import { peaksByProgram, pushPeakBytes, type Measured } from "./measure.js";
import type { ProcessPeak } from "./process-memory.js";
import { median, medianOfDefined } from "./stats.js";

/** Every measurement of one row on one image. */
export interface RowMeasurements {
  readonly image: string;
  readonly row: string;
  readonly cold: ReadonlyArray<Measured>;
  readonly warm: ReadonlyArray<Measured>;
  /** Sum of the pushed layers' sizes, per cold push. */
  readonly pushedBytes: ReadonlyArray<number>;
  /** Config and layers as the archive stores them. */
  readonly sourceBytes: number;
}

const seconds = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(2)} s`);
const millis = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : `${Math.round(ms)} ms`);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const markdown = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>) =>
  [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

const wall = (ms: ReadonlyArray<Measured>) => median(ms.map((m) => m.wallMs));
const push = (ms: ReadonlyArray<Measured>) => medianOfDefined(ms.map((m) => childReportOf(m)?.pushMs));

/** The push whose processes peaked highest, as `total MiB: program MiB + …` (`[c]`: in the container). */
const peakCell = (ms: ReadonlyArray<Measured>): string => {
  const highest = [...ms].sort((a, b) => pushPeakBytes(b.processes) - pushPeakBytes(a.processes))[0];
  if (highest === undefined) return "–";
  const parts = peaksByProgram(highest.processes)
    .filter((p: ProcessPeak) => p.peakRssBytes >= 2 ** 20)
    .map((p) => `${p.program}${p.place === "container" ? "[c]" : ""} ${mib(p.peakRssBytes)}`);
  return `${mib(pushPeakBytes(highest.processes))} MiB${parts.length > 1 ? ` (${parts.join(" + ")})` : ""}`;
};

const cgroupCell = (cold: ReadonlyArray<Measured>, warm: ReadonlyArray<Measured>): string => {
  const peak = (ms: ReadonlyArray<Measured>) => Math.max(...ms.map((m) => m.containerPeakBytes ?? Number.NaN));
  return cold.some((m) => m.containerPeakBytes !== undefined) ? `${mib(peak(cold))} / ${mib(peak(warm))} MiB` : "–";
};

/** The main table: medians of the rounds; peak RSS: the highest push. */
export const formatTable = (results: ReadonlyArray<RowMeasurements>): string =>
  markdown(
    ["image", "row", "cold: process", "cold: push", "warm: process", "warm: push", "peak RSS cold", "peak RSS warm", "container cgroup peak cold / warm", "pushed"],
    results.map((r) => [
      r.image,
      r.row,
      seconds(wall(r.cold)),
      seconds(push(r.cold)),
      millis(wall(r.warm)),
      millis(push(r.warm)),
      peakCell(r.cold),
      peakCell(r.warm),
      cgroupCell(r.cold, r.warm),
      `${mib(median(r.pushedBytes))} of ${mib(r.sourceBytes)} MiB`,
    ]),
  );

/** What one ratio line compares. */
export interface OverheadTarget {
  readonly row: string;
  readonly baseline: string;
  /** The largest acceptable ratio, when there is a target. */
  readonly target?: number | undefined;
}

const ratio = (a: number | undefined, b: number) => (a === undefined ? "–" : `${(a / b).toFixed(3)}`);
const verdict = (value: number, target: number | undefined) => (target === undefined ? "" : value <= target ? " ✓" : " ✗");

/**
 * The overhead of each strategy over the raw command it wraps, per image: process over process (what a user
 * waits for), and the strategy's own `push` (probe and push, without Node's start) over the raw process.
 */
export const formatOverheads = (results: ReadonlyArray<RowMeasurements>, targets: ReadonlyArray<OverheadTarget>): string => {
  const lines: string[][] = [];
  for (const image of [...new Set(results.map((r) => r.image))]) {
    for (const t of targets) {
      const row = results.find((r) => r.image === image && r.row === t.row);
      const base = results.find((r) => r.image === image && r.row === t.baseline);
      if (row === undefined || base === undefined) continue;
      const cold = wall(row.cold) / wall(base.cold);
      const warm = wall(row.warm) / wall(base.warm);
      lines.push([
        image,
        `${t.row} / ${t.baseline}`,
        `${cold.toFixed(3)}${verdict(cold, t.target)}`,
        ratio(push(row.cold), wall(base.cold)),
        `${warm.toFixed(3)}${verdict(warm, t.target)}`,
        ratio(push(row.warm), wall(base.warm)),
        t.target === undefined ? "–" : `≤ ${t.target.toFixed(2)}`,
      ]);
    }
  }
  return markdown(["image", "ratio", "cold: process", "cold: push / raw process", "warm: process", "warm: push / raw process", "target"], lines);
};

/** Where a strategy row's time goes (medians): Node's start and module loading, the chain's push in phases, the exit. */
export const formatPhases = (results: ReadonlyArray<RowMeasurements>): string => {
  const lines: string[][] = [];
  for (const r of results) {
    for (const [kind, ms] of [["cold", r.cold], ["warm", r.warm]] as const) {
      const reports = ms.map((m) => ({ m, report: childReportOf(m) }));
      if (reports.some(({ report }) => report === undefined)) continue;
      const of = (f: (x: (typeof reports)[number]) => number | undefined) => millis(medianOfDefined(reports.map(f)));
      lines.push([
        r.image,
        r.row,
        kind,
        millis(median(ms.map((m) => m.wallMs))),
        of(({ report }) => report?.startMs),
        of(({ report }) => (report?.firstEventMs === undefined ? undefined : report.firstEventMs - report.startMs)),
        of(({ report }) => (report?.skopeoStartMs === undefined || report.firstEventMs === undefined ? undefined : report.skopeoStartMs - report.firstEventMs)),
        of(({ report }) => (report === undefined ? undefined : report.startMs + report.pushMs - (report.skopeoStartMs ?? report.firstEventMs ?? report.startMs))),
        of(({ m, report }) => (report === undefined ? undefined : m.wallMs - report.startMs - report.pushMs)),
      ]);
    }
  }
  return markdown(
    ["image", "row", "push", "process", "Node start + loading", "probe + archive inspection", "workspace + staging", "skopeo (or the upload)", "exit"],
    lines.map(([image, row, kind, ...rest]) => [image as string, row as string, kind as string, ...rest]),
  );
};
