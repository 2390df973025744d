import type { BlobProgress, ProgressEvent } from "@skopush/core";
import { bar, formatBytes, shortDigest } from "./format.js";
import type { ProgressRenderer } from "./progress-renderer.js";
import type { Palette } from "./terminal.js";

/** Options of {@link liveProgress}. */
export interface LiveProgressOptions {
  readonly write: (text: string) => void;
  readonly palette: Palette;
  /** The terminal's width; lines are cut to it so that redrawing never miscounts wrapped lines. */
  readonly columns: number;
  /** @default Date.now */
  readonly now?: (() => number) | undefined;
  /** The least time between two redraws, unless something changed state. @default 80 */
  readonly frameIntervalMs?: number | undefined;
  /** Blob lines shown at most; the rest are summarised. @default 12 */
  readonly maxBlobLines?: number | undefined;
}

// Move to the start of the line `n` lines up, then clear to the end of the screen.
const up = (lines: number) => (lines === 0 ? "\r\u001b[0J" : `\u001b[${lines}F\u001b[0J`);

/**
 * Live progress for a terminal: a bar per layer and an overall bar, redrawn in place. When the chain
 * moves to another strategy, a line saying so stays above the live area.
 */
export const liveProgress = (options: LiveProgressOptions): ProgressRenderer => {
  const now = options.now ?? Date.now;
  const interval = options.frameIntervalMs ?? 80;
  const maxBlobLines = options.maxBlobLines ?? 12;
  const { dim, green, bold } = options.palette;
  const blobs = new Map<string, BlobProgress>();
  let strategy: string | undefined;
  let latest: ProgressEvent | undefined;
  let drawnLines = 0;
  let lastFrameAt = Number.NEGATIVE_INFINITY;
  let finished = false;
  let dirty = false;

  const fit = (text: string) => (text.length > options.columns - 1 ? `${text.slice(0, options.columns - 2)}…` : text);

  const blobLine = (blob: BlobProgress): string => {
    const label = `  ${blob.kind.padEnd(6)} ${shortDigest(blob.id).padEnd(19)}`;
    if (blob.state === "done") return green(fit(`${label} done ${formatBytes(blob.bytesTotal ?? blob.bytesDone)}`));
    if (blob.state === "skipped") return dim(fit(`${label} already in the registry`));
    if (blob.state === "waiting") return dim(fit(`${label} waiting`));
    // skopeo reports bytes for the whole copy, not per blob: the overall bar below carries them.
    if (blob.bytesDone === 0) return fit(`${label} uploading…${blob.bytesTotal ? ` ${formatBytes(blob.bytesTotal)}` : ""}`);
    const total = blob.bytesTotal;
    const ratio = total ? blob.bytesDone / total : 0;
    const sizes = total ? `${formatBytes(blob.bytesDone)}/${formatBytes(total)}` : formatBytes(blob.bytesDone);
    const width = Math.max(10, Math.min(30, options.columns - label.length - 30));
    return fit(`${label} ${bar(ratio, width)} ${String(Math.floor(ratio * 100)).padStart(3)}% ${sizes}`);
  };

  const frame = (): string[] => {
    if (latest === undefined) return [];
    const name = latest.strategy ?? "skopush";
    const head = fit(`${name} ${latest.message}`);
    const lines = [`${bold(head.slice(0, name.length))}${head.slice(name.length)}`];
    const all = [...blobs.values()];
    const active = all.filter((blob) => blob.state === "uploading");
    const shown = [...active, ...all.filter((blob) => blob.state !== "uploading")].slice(0, maxBlobLines);
    lines.push(...shown.map(blobLine));
    if (all.length > shown.length) lines.push(dim(`  … ${all.length - shown.length} more blobs`));
    const width = Math.max(10, Math.min(40, options.columns - 12));
    lines.push(`  ${bar(latest.percent / 100, width)} ${String(latest.percent).padStart(3)}%`);
    return lines;
  };

  const draw = () => {
    const lines = frame();
    options.write(`${drawnLines > 0 ? up(drawnLines) : ""}${lines.map((line) => `${line}\n`).join("")}`);
    drawnLines = lines.length;
    lastFrameAt = now();
    dirty = false;
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
        blobs.clear();
        changed = true;
      }
      if (event.blob !== undefined) {
        changed ||= blobs.get(event.blob.id)?.state !== event.blob.state;
        blobs.set(event.blob.id, event.blob);
      }
      changed ||= event.phase !== latest?.phase;
      latest = event;
      dirty = true;
      if (changed || now() - lastFrameAt >= interval) draw();
    },
    finish: () => {
      if (finished) return;
      finished = true;
      if (dirty) draw();
    },
  };
};
