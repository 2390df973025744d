import type { PushErrorTag } from "@skopush/core";

/** What became of one item of a plan. */
export interface PushManyItemReport {
  /** The item's position in the plan it came from. */
  readonly index: number;
  readonly archive: string;
  readonly destination: string;
  readonly status: "pushed" | "failed";
  /** The manifest (or index) digest the tag holds, when pushed. */
  readonly digest?: string | undefined;
  /** Bytes sent to the registry (0 for blobs that were present or mounted). */
  readonly bytesPushed: number;
  /** Blobs (layers and config) the registry already held, or that were mounted from another image of the run. */
  readonly skippedBlobs: number;
  /** Blobs uploaded. */
  readonly uploadedBlobs: number;
  /** The strategy that pushed (or the last one tried). */
  readonly strategy?: string | undefined;
  readonly durationMs: number;
  /** The deciding error's tag, when failed. */
  readonly error?: PushErrorTag | undefined;
  readonly message?: string | undefined;
}

/** Sums over a plan's items. */
export interface PushManyTotals {
  readonly items: number;
  readonly pushed: number;
  readonly failed: number;
  readonly bytesPushed: number;
  readonly skippedBlobs: number;
  readonly uploadedBlobs: number;
  /** Wall-clock time of the whole run. */
  readonly durationMs: number;
}

/** What `pushMany` resolves to: every item in plan order, and the totals. */
export interface PushManyReport {
  /** True when every item was pushed. */
  readonly ok: boolean;
  readonly items: ReadonlyArray<PushManyItemReport>;
  readonly totals: PushManyTotals;
}

/** The totals of `items`, over a run that took `durationMs`. */
export const totalsOf = (items: ReadonlyArray<PushManyItemReport>, durationMs: number): PushManyTotals => ({
  items: items.length,
  pushed: items.filter((item) => item.status === "pushed").length,
  failed: items.filter((item) => item.status === "failed").length,
  bytesPushed: items.reduce((sum, item) => sum + item.bytesPushed, 0),
  skippedBlobs: items.reduce((sum, item) => sum + item.skippedBlobs, 0),
  uploadedBlobs: items.reduce((sum, item) => sum + item.uploadedBlobs, 0),
  durationMs,
});
