/** One row of the result table: medians over the rounds (peak RSS: the largest seen). */
export interface RowResult {
  readonly image: string;
  readonly row: string;
  /** The push process from spawn to exit. */
  readonly coldWallMs: number;
  /** The push alone, as the process measured it (Node rows; skopeo reports none). */
  readonly coldPushMs: number | undefined;
  readonly warmWallMs: number;
  readonly warmPushMs: number | undefined;
  readonly coldPeakRssBytes: number;
  readonly warmPeakRssBytes: number;
  /** Sum of the pushed layers' sizes. */
  readonly pushedBytes: number;
  /** Config and layers as the archive stores them. */
  readonly sourceBytes: number;
}

const seconds = (ms: number | undefined) => (ms === undefined ? "–" : `${(ms / 1000).toFixed(2)} s`);
const millis = (ms: number | undefined) => (ms === undefined ? "–" : `${Math.round(ms)} ms`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The results as a Markdown table. */
export const formatTable = (results: ReadonlyArray<RowResult>): string => {
  const header = ["image", "row", "cold: process", "cold: push", "warm: process", "warm: push", "peak RSS cold", "peak RSS warm", "pushed"];
  const lines = results.map((r) => [
    r.image,
    r.row,
    seconds(r.coldWallMs),
    seconds(r.coldPushMs),
    millis(r.warmWallMs),
    millis(r.warmPushMs),
    mib(r.coldPeakRssBytes),
    mib(r.warmPeakRssBytes),
    `${mib(r.pushedBytes)} of ${mib(r.sourceBytes)}`,
  ]);
  return [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
};
