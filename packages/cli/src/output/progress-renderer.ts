import type { ProgressEvent } from "@skopush/core";

/** Draws a push's progress on a stream. */
export interface ProgressRenderer {
  /** Takes one event; never throws. */
  readonly onEvent: (event: ProgressEvent) => void;
  /** Draws the last state and stops; call before printing the result. */
  readonly finish: () => void;
}

/** A renderer that draws nothing (`--quiet`). */
export const silentProgress: ProgressRenderer = { onEvent: () => {}, finish: () => {} };
