import { childReportOf } from "./child-report.js";
import { peaksByProgram, pushPeakBytes, type Measured } from "./measure.js";
import { median, medianOfDefined } from "./stats.js";

/** One round of one row: its cold push and the warm pushes right after it. */
export interface RowRound {
  readonly cold: Measured;
  readonly warm: ReadonlyArray<Measured>;
  /** Sum of the pushed layers' sizes, as the registry stores them after the cold push. */
  readonly pushedBytes: number;
}

/** Every measurement of one row on one image, round by round. */
export interface RowMeasurements {
  readonly image: string;
  readonly row: string;
  readonly rounds: ReadonlyArray<RowRound>;
  /** Config and layers as the archive stores them. */
  readonly sourceBytes: number;
}

const seconds = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(2)} s`);
const millis = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : `${Math.round(ms)} ms`);
const signedMillis = (ms: number) => (Number.isNaN(ms) ? "–" : `${ms >= 0 ? "+" : "−"}${Math.round(Math.abs(ms))} ms`);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const markdown = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>) =>
  [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

const colds = (r: RowMeasurements) => r.rounds.map((round) => round.cold);
const warms = (r: RowMeasurements) => r.rounds.flatMap((round) => round.warm);
const wall = (ms: ReadonlyArray<Measured>) => median(ms.map((m) => m.wallMs));
const push = (ms: ReadonlyArray<Measured>) => medianOfDefined(ms.map((m) => childReportOf(m)?.pushMs));

/** The push whose processes peaked highest, as `total MiB (program MiB + …)`; `[c]`: in the container. */
const peakCell = (ms: ReadonlyArray<Measured>): string => {
  const highest = [...ms].sort((a, b) => pushPeakBytes(b.processes) - pushPeakBytes(a.processes))[0];
  if (highest === undefined) return "–";
  const parts = peaksByProgram(highest.processes)
    .filter((p) => p.peakRssBytes >= 2 ** 20)
    .map((p) => `${p.program}${p.place === "container" ? "[c]" : ""} ${mib(p.peakRssBytes)}`);
  return `${mib(pushPeakBytes(highest.processes))} MiB${parts.length > 1 ? ` (${parts.join(" + ")})` : ""}`;
};

const cgroupCell = (r: RowMeasurements): string => {
  const peak = (ms: ReadonlyArray<Measured>) => Math.max(...ms.map((m) => m.containerPeakBytes ?? Number.NaN));
  return colds(r).some((m) => m.containerPeakBytes !== undefined) ? `${mib(peak(colds(r)))} / ${mib(peak(warms(r)))} MiB` : "–";
};

/** The main table: medians of the rounds; peak RSS: the highest push. */
export const formatTable = (results: ReadonlyArray<RowMeasurements>): string =>
  markdown(
    ["image", "row", "cold: process", "cold: push", "warm: process", "warm: push", "peak RSS cold", "peak RSS warm", "container cgroup peak cold / warm", "pushed"],
    results.map((r) => [
      r.image,
      r.row,
      seconds(wall(colds(r))),
      seconds(push(colds(r))),
      millis(wall(warms(r))),
      millis(push(warms(r))),
      peakCell(colds(r)),
      peakCell(warms(r)),
      cgroupCell(r),
      `${mib(median(r.rounds.map((round) => round.pushedBytes)))} of ${mib(r.sourceBytes)} MiB`,
    ]),
  );

/** What one ratio line compares. */
export interface OverheadTarget {
  readonly row: string;
  readonly baseline: string;
  /** The largest acceptable ratio, when there is a target. */
  readonly target?: number | undefined;
}

const verdict = (value: number, target: number | undefined) => (target === undefined || Number.isNaN(value) ? "" : value <= target ? " ✓" : " ✗");

/**
 * Per round, the row against its baseline pushed right before it (so both met the same load), then the
 * median over rounds: of the ratio and of the difference of the processes' times, and of the strategy's own
 * `push` (probe and push, without Node's start) over the raw process.
 */
const paired = (row: RowMeasurements, base: RowMeasurements, pick: (round: RowRound) => ReadonlyArray<Measured>) => {
  const pairs = row.rounds.slice(0, base.rounds.length).map((round, i) => {
    const baseline = wall(pick(base.rounds[i] as RowRound));
    const measured = pick(round);
    return { ratio: wall(measured) / baseline, extra: wall(measured) - baseline, pushRatio: (push(measured) ?? Number.NaN) / baseline };
  });
  return {
    ratio: median(pairs.map((p) => p.ratio)),
    extra: median(pairs.map((p) => p.extra)),
    pushRatio: median(pairs.map((p) => p.pushRatio).filter((x) => !Number.isNaN(x))),
  };
};

/** The overhead of each strategy over the raw command it wraps, per image, paired round by round. */
export const formatOverheads = (results: ReadonlyArray<RowMeasurements>, targets: ReadonlyArray<OverheadTarget>): string => {
  const lines: string[][] = [];
  for (const image of [...new Set(results.map((r) => r.image))]) {
    for (const t of targets) {
      const row = results.find((r) => r.image === image && r.row === t.row);
      const base = results.find((r) => r.image === image && r.row === t.baseline);
      if (row === undefined || base === undefined) continue;
      const cold = paired(row, base, (round) => [round.cold]);
      const warm = paired(row, base, (round) => round.warm);
      const ratio = (x: number) => (Number.isNaN(x) ? "–" : x.toFixed(3));
      lines.push([
        image,
        `${t.row} / ${t.baseline}`,
        `${ratio(cold.ratio)}${verdict(cold.ratio, t.target)}`,
        signedMillis(cold.extra),
        ratio(cold.pushRatio),
        `${ratio(warm.ratio)}${verdict(warm.ratio, t.target)}`,
        signedMillis(warm.extra),
        ratio(warm.pushRatio),
        t.target === undefined ? "–" : `≤ ${t.target.toFixed(2)}`,
      ]);
    }
  }
  return markdown(
    ["image", "strategy / baseline", "cold: process", "cold: extra", "cold: push / raw process", "warm: process", "warm: extra", "warm: push / raw process", "target"],
    lines,
  );
};

/** Where a strategy row's time goes (medians): Node's start and module loading, the chain's push in phases, the exit. */
export const formatPhases = (results: ReadonlyArray<RowMeasurements>): string => {
  const lines: string[][] = [];
  for (const r of results) {
    for (const [kind, ms] of [["cold", colds(r)], ["warm", warms(r)]] as const) {
      const reports = ms.map((m) => ({ m, report: childReportOf(m) }));
      if (reports.some(({ report }) => report === undefined)) continue;
      const of = (f: (x: (typeof reports)[number]) => number | undefined) => millis(medianOfDefined(reports.map(f)));
      lines.push([
        r.image,
        r.row,
        kind,
        millis(median(ms.map((m) => m.wallMs))),
        of(({ report }) => report?.startMs),
        of(({ report }) => report?.probeMs),
        of(({ report }) => (report?.firstEventMs === undefined ? undefined : report.firstEventMs - report.startMs - (report.probeMs ?? 0))),
        of(({ report }) => (report?.skopeoStartMs === undefined || report.firstEventMs === undefined ? undefined : report.skopeoStartMs - report.firstEventMs)),
        of(({ report }) => (report === undefined ? undefined : report.startMs + report.pushMs - (report.skopeoStartMs ?? report.firstEventMs ?? report.startMs))),
        of(({ m, report }) => (report === undefined ? undefined : m.wallMs - report.startMs - report.pushMs)),
      ]);
    }
  }
  return markdown(
    ["image", "row", "push", "process", "Node start + loading", "probe", "archive inspection", "workspace + staging", "skopeo (registry: the push)", "exit"],
    lines,
  );
};
