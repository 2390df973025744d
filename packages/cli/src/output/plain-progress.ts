import type { ProgressEvent } from "@skopush/core";
import { formatBytes } from "./format.js";
import type { ProgressRenderer } from "./progress-renderer.js";
import type { Palette } from "./terminal.js";

/** Options of {@link plainProgress}. */
export interface PlainProgressOptions {
  readonly write: (text: string) => void;
  readonly palette: Palette;
  /** @default Date.now */
  readonly now?: (() => number) | undefined;
  /** The least time between two lines that only repeat a changed message. @default 1000 */
  readonly messageIntervalMs?: number | undefined;
}

/**
 * Progress as plain lines for CI logs and pipes: one line when a strategy starts, a phase changes, a
 * blob starts or ends, or the overall percent passes a multiple of ten; other messages at most once a
 * second. No cursor movement, so every line survives in a log.
 */
export const plainProgress = (options: PlainProgressOptions): ProgressRenderer => {
  const now = options.now ?? Date.now;
  const interval = options.messageIntervalMs ?? 1000;
  const { dim } = options.palette;
  let strategy: string | undefined;
  let phase: string | undefined;
  let decile = -1;
  let message: string | undefined;
  let lastLineAt = Number.NEGATIVE_INFINITY;
  const blobStates = new Map<string, string>();

  const line = (event: ProgressEvent) => {
    const percent = `[${String(event.percent).padStart(3)}%]`;
    const sizes = sizesOf(event);
    options.write(`${dim(percent)} ${event.strategy ?? "skopush"}: ${event.message}${sizes ? ` ${dim(sizes)}` : ""}\n`);
    message = event.message;
    lastLineAt = now();
  };

  return {
    onEvent: (event) => {
      let important = false;
      if (event.strategy !== strategy) {
        strategy = event.strategy;
        blobStates.clear();
        decile = -1;
        important = true;
      }
      if (event.phase !== phase) {
        phase = event.phase;
        important = true;
      }
      if (event.blob !== undefined && blobStates.get(event.blob.id) !== event.blob.state) {
        blobStates.set(event.blob.id, event.blob.state);
        important = true;
      }
      const eventDecile = Math.floor(event.percent / 10);
      if (eventDecile > decile) {
        decile = eventDecile;
        important = true;
      }
      if (important || (event.message !== message && now() - lastLineAt >= interval)) line(event);
    },
    finish: () => {},
  };
};

// Only a blob being uploaded gets sizes: start and end lines, and the overall lines, say enough already.
const sizesOf = (event: ProgressEvent): string | undefined => {
  const blob = event.blob;
  if (blob?.state !== "uploading" || blob.bytesDone === 0) return undefined;
  return blob.bytesTotal === undefined ? formatBytes(blob.bytesDone) : `${formatBytes(blob.bytesDone)}/${formatBytes(blob.bytesTotal)}`;
};
