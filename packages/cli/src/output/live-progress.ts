import type { BlobProgress, ProgressEvent } from "@skopush/core";
import { bar, formatBytes, shortDigest } from "./format.js";
import type { ProgressRenderer, PushEnd } from "./progress-renderer.js";
import type { Palette } from "./terminal.js";

/** Options of {@link liveProgress}. */
export interface LiveProgressOptions {
  readonly write: (text: string) => void;
  readonly palette: Palette;
  /**
   * The terminal's width; lines are cut to it so that redrawing never miscounts wrapped lines. A function
   * is asked at every frame, so a terminal resized during the push gets frames of its new width.
   */
  readonly columns: number | (() => number);
  /** @default Date.now */
  readonly now?: (() => number) | undefined;
  /** The least time between two redraws, unless something changed state. @default 80 */
  readonly frameIntervalMs?: number | undefined;
  /** Blob lines shown at most; finished ones are summarised first. @default 12 */
  readonly maxBlobLines?: number | undefined;
}

/** Hides the cursor while frames are redrawn, and shows it again. */
export const HIDE_CURSOR = "\u001b[?25l";
/** Shows the cursor. */
export const SHOW_CURSOR = "\u001b[?25h";

// Move to the start of the line `n` lines up, then clear to the end of the screen.
const up = (lines: number) => (lines === 0 ? "\r\u001b[0J" : `\u001b[${lines}F\u001b[0J`);

/**
 * Live progress for a terminal, redrawn in place with the cursor hidden: a first line saying which
 * strategy pushes and how ("docker-exec: skopeo in container skopeo-service"), what it is doing, a row
 * per blob in the order they started (rows never move), and an overall bar with the bytes and the rate.
 * When the chain moves to another strategy, a line saying so stays above the live area. A successful
 * push leaves its last frame; a failed one replaces the frame by one line saying where it stopped.
 */
export const liveProgress = (options: LiveProgressOptions): ProgressRenderer => {
  const now = options.now ?? Date.now;
  const interval = options.frameIntervalMs ?? 80;
  const maxBlobLines = options.maxBlobLines ?? 12;
  const { dim, green, bold } = options.palette;
  const blobs = new Map<string, BlobProgress>();
  let strategy: string | undefined;
  let description: string | undefined;
  let latest: ProgressEvent | undefined;
  let drawnLines = 0;
  let lastFrameAt = Number.NEGATIVE_INFINITY;
  let finished = false;
  let dirty = false;
  let cursorHidden = false;
  let uploadStart: { readonly at: number; readonly bytes: number } | undefined;

  const columnsNow = (): number => (typeof options.columns === "function" ? options.columns() : options.columns);
  const fit = (text: string) => {
    const columns = columnsNow();
    return text.length > columns - 1 ? `${text.slice(0, columns - 2)}…` : text;
  };

  const blobLine = (blob: BlobProgress): string => {
    const label = `  ${blob.kind.padEnd(6)} ${shortDigest(blob.id).padEnd(19)}`;
    if (blob.state === "done") return green(fit(`${label} done ${formatBytes(blob.bytesTotal ?? blob.bytesDone)}`));
    if (blob.state === "skipped") return dim(fit(`${label} already in the registry`));
    if (blob.state === "waiting") return dim(fit(`${label} waiting`));
    // skopeo reports bytes for the whole copy, not per blob: the overall line below carries them.
    if (blob.bytesDone === 0) return fit(`${label} uploading${blob.bytesTotal ? ` ${formatBytes(blob.bytesTotal)}` : ""}`);
    const total = blob.bytesTotal;
    const ratio = total ? blob.bytesDone / total : 0;
    const sizes = total ? `${formatBytes(blob.bytesDone)}/${formatBytes(total)}` : formatBytes(blob.bytesDone);
    const width = Math.max(10, Math.min(30, columnsNow() - label.length - 30));
    return fit(`${label} ${bar(ratio, width)} ${String(Math.floor(ratio * 100)).padStart(3)}% ${sizes}`);
  };

  /** `85.3 MiB of 231.0 MiB · 42.1 MiB/s` (the rate while it runs), once bytes are known. */
  const bytesText = (event: ProgressEvent, withRate = true): string => {
    if (event.bytesDone === undefined || event.bytesTotal === undefined) return "";
    const sizes = `${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)}`;
    const elapsed = uploadStart === undefined ? 0 : (now() - uploadStart.at) / 1000;
    const rate = withRate && elapsed >= 1 && uploadStart !== undefined ? ` · ${formatBytes((event.bytesDone - uploadStart.bytes) / elapsed)}/s` : "";
    return ` ${sizes}${rate}`;
  };

  const blobLines = (): string[] => {
    const all = [...blobs.values()];
    if (all.length <= maxBlobLines) return all.map(blobLine);
    // Too many to show: finished blobs first become one line, so the rows that move stay in view.
    const finishedBlobs = all.filter((blob) => blob.state === "done" || blob.state === "skipped");
    const rest = all.filter((blob) => blob.state !== "done" && blob.state !== "skipped");
    const shown = rest.slice(0, maxBlobLines - 1);
    const lines = [green(fit(`  ${finishedBlobs.length} blob${finishedBlobs.length === 1 ? "" : "s"} done or already in the registry`))];
    lines.push(...shown.map(blobLine));
    if (rest.length > shown.length) lines.push(dim(fit(`  … ${rest.length - shown.length} more blobs`)));
    return lines;
  };

  const frame = (): string[] => {
    if (latest === undefined) return [];
    const name = latest.strategy ?? "skopush";
    const head = fit(`${name}: ${description ?? latest.message}`);
    const lines = [`${bold(head.slice(0, name.length))}${head.slice(name.length)}`];
    if (description !== undefined && latest.message !== description) lines.push(dim(fit(`  ${latest.message}`)));
    lines.push(...blobLines());
    const width = Math.max(10, Math.min(40, columnsNow() - 50));
    lines.push(fit(`  ${bar(latest.percent / 100, width)} ${String(latest.percent).padStart(3)}%${bytesText(latest)}`));
    return lines;
  };

  const draw = () => {
    const lines = frame();
    const hide = cursorHidden ? "" : HIDE_CURSOR;
    cursorHidden = true;
    options.write(`${hide}${drawnLines > 0 ? up(drawnLines) : ""}${lines.map((line) => `${line}\n`).join("")}`);
    drawnLines = lines.length;
    lastFrameAt = now();
    dirty = false;
  };

  /** Erases the live area and writes `line` (if any) in its place; the cursor comes back. */
  const replaceFrame = (line: string | undefined) => {
    options.write(`${drawnLines > 0 ? up(drawnLines) : ""}${line === undefined ? "" : `${line}\n`}${cursorHidden ? SHOW_CURSOR : ""}`);
    drawnLines = 0;
    cursorHidden = false;
  };

  return {
    onEvent: (event) => {
      if (finished) return;
      let changed = false;
      if (event.strategy !== strategy) {
        if (strategy !== undefined) {
          // Keep a line above the live area saying the chain moved on.
          options.write(`${drawnLines > 0 ? up(drawnLines) : ""}${dim(fit(`${strategy} did not push; ${event.message}`))}\n`);
          drawnLines = 0;
        }
        strategy = event.strategy;
        description = event.strategyDescription;
        blobs.clear();
        uploadStart = undefined;
        changed = true;
      }
      if (event.blob !== undefined) {
        changed ||= blobs.get(event.blob.id)?.state !== event.blob.state;
        blobs.set(event.blob.id, event.blob);
      }
      if (uploadStart === undefined && event.phase === "uploading") uploadStart = { at: now(), bytes: event.bytesDone ?? 0 };
      changed ||= event.phase !== latest?.phase;
      latest = event;
      dirty = true;
      if (changed || now() - lastFrameAt >= interval) draw();
    },
    finish: (end: PushEnd = "success") => {
      if (finished) return;
      finished = true;
      if (end === "success") {
        if (dirty) draw();
        if (cursorHidden) options.write(SHOW_CURSOR);
        cursorHidden = false;
        return;
      }
      const where = latest === undefined ? undefined : `${latest.strategy ?? "skopush"} stopped at ${latest.percent}%${bytesText(latest, false)}`;
      replaceFrame(where === undefined ? undefined : dim(fit(where)));
    },
  };
};
