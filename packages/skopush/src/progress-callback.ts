import type { ProgressSink } from "@skopush/core";

/** The seed API's callback shape: `(percent, message)`; it may be `async` (a rejection is ignored, never awaited). */
export type ProgressCallback = (percent: number, message: string) => void;

/** Adapts the seed API's `(percent, message)` callback to a sink. */
export const progressCallbackSink = (callback: ProgressCallback): ProgressSink => (event) => callback(event.percent, event.message);
