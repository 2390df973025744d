import type { PushManyItemReport, PushManyReport } from "skopush";
import { formatBytes, formatDuration, shortDigest } from "./format.js";
import type { Palette } from "./terminal.js";

/** One line as an item ends: `✔ dest sha256:… 12.3 MiB, 2 skipped, 3.1s` or `✖ dest: why`. */
export const itemDoneLine = (item: PushManyItemReport, done: number, total: number, palette: Palette): string => {
  const position = `[${done}/${total}]`;
  if (item.status === "failed") return `${palette.red("✖")} ${position} ${item.destination}: ${item.error}: ${item.message}\n`;
  return `${palette.green("✔")} ${position} ${item.destination} ${shortDigest(item.digest ?? "")} ${formatBytes(item.bytesPushed)} sent, ${item.skippedBlobs} blobs skipped, ${formatDuration(item.durationMs)} (${item.strategy})\n`;
};

const pad = (text: string, width: number): string => text + " ".repeat(Math.max(0, width - text.length));

/** The summary table on stderr: one row per item, then the totals. */
export const summaryTable = (report: PushManyReport): string => {
  const rows = [
    ["status", "destination", "digest", "sent", "skipped", "uploaded", "strategy", "time"],
    ...report.items.map((item) => [
      item.status,
      item.destination,
      item.digest === undefined ? (item.error ?? "") : shortDigest(item.digest),
      formatBytes(item.bytesPushed),
      String(item.skippedBlobs),
      String(item.uploadedBlobs),
      item.strategy ?? "",
      formatDuration(item.durationMs),
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  const lines = rows.map((row) => row.map((cell, column) => pad(cell, widths[column] ?? 0)).join("  ").trimEnd());
  const t = report.totals;
  lines.push(
    `${t.pushed} of ${t.items} pushed${t.failed > 0 ? `, ${t.failed} failed` : ""}: ${formatBytes(t.bytesPushed)} sent, ${t.skippedBlobs} blobs skipped, ${t.uploadedBlobs} uploaded, ${formatDuration(t.durationMs)}`,
  );
  return `${lines.join("\n")}\n`;
};
