import type { ProgressEvent } from "@skopush/core";

/** How a push ended, for the last frame: kept on success, replaced by where it stopped otherwise. */
export type PushEnd = "success" | "failure";

/** Draws a push's progress on a stream. */
export interface ProgressRenderer {
  /** Takes one event; never throws. */
  readonly onEvent: (event: ProgressEvent) => void;
  /** Draws the last state (or clears it after a failure), restores the cursor and stops; call before printing the result. Idempotent. */
  readonly finish: (end?: PushEnd) => void;
}

/** A renderer that draws nothing (`--quiet`). */
export const silentProgress: ProgressRenderer = { onEvent: () => {}, finish: () => {} };
