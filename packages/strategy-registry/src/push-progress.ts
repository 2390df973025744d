import { monotonicProgress, type BlobProgress, type ProgressSink } from "@skopush/core";

/** A blob whose progress is reported. */
export interface TrackedBlob {
  /** Its digest, or its diff_id while the pushed digest is not known. */
  readonly id: string;
  readonly kind: "layer" | "config";
  /** Source bytes to read. */
  readonly total: number;
}

interface BlobState {
  readonly blob: TrackedBlob;
  state: BlobProgress["state"];
  /** Bytes of the current attempt. */
  attempt: number;
  /** The most bytes any attempt reached: what is reported, so progress never goes back on a retry. */
  best: number;
}

const short = (id: string): string => (id.length > 19 ? `${id.slice(0, 19)}…` : id);

/**
 * Progress of one push in source bytes: per blob and overall, 0–99 while blobs upload (a skipped blob
 * counts as done), 99 while the manifest is written, 100 at the end. Percent is an integer that never
 * goes down, also across retries of a blob.
 */
export class PushProgress {
  private readonly sink: ProgressSink;
  private readonly blobs = new Map<string, BlobState>();
  private readonly total: number;
  private done = 0;
  private lastPercent = -1;

  constructor(sink: ProgressSink, blobs: ReadonlyArray<TrackedBlob>) {
    this.sink = monotonicProgress(sink);
    for (const blob of blobs) this.blobs.set(blob.id, { blob, state: "waiting", attempt: 0, best: 0 });
    this.total = blobs.reduce((sum, blob) => sum + Math.max(1, blob.total), 0);
  }

  /** The push starts: reports 0 %. */
  preparing(message: string): void {
    this.sink({ percent: 0, phase: "preparing", message });
  }

  /** An attempt at `id` starts (again): its current count restarts from 0. */
  start(id: string): void {
    const state = this.blobs.get(id);
    if (state === undefined) return;
    state.attempt = 0;
    if (state.state !== "uploading") {
      state.state = "uploading";
      this.emit(state, `Copying ${state.blob.kind === "config" ? "config" : "blob"} ${short(state.blob.id)}`);
    }
  }

  /** `bytes` more source bytes of `id` were read. */
  bytes(id: string, bytes: number): void {
    const state = this.blobs.get(id);
    if (state === undefined) return;
    state.attempt += bytes;
    if (state.attempt <= state.best) return;
    this.done += Math.min(state.attempt, state.blob.total) - Math.min(state.best, state.blob.total);
    state.best = state.attempt;
    if (this.percent() > this.lastPercent) this.emit(state, `Copying ${state.blob.kind === "config" ? "config" : "blob"} ${short(state.blob.id)}`);
  }

  /** `id` is on the registry already (or was mounted): nothing to send. */
  skipped(id: string, why: string): void {
    this.finish(id, "skipped", why);
  }

  /** `id` was uploaded. */
  uploaded(id: string): void {
    this.finish(id, "done", "done");
  }

  /** The push pauses before trying again; `message` says how long and why. */
  waiting(message: string): void {
    this.sink({ percent: Math.max(0, this.lastPercent), phase: "uploading", message, bytesDone: this.done, bytesTotal: this.total });
  }

  /** The manifest is being written. */
  manifest(reference: string): void {
    this.sink({ percent: 99, phase: "manifest", message: `Writing manifest to ${reference}`, bytesDone: this.done, bytesTotal: this.total });
  }

  /** The push completed. */
  finished(message: string): void {
    this.sink({ percent: 100, phase: "done", message, bytesDone: this.total, bytesTotal: this.total });
  }

  private finish(id: string, state: "skipped" | "done", why: string): void {
    const blob = this.blobs.get(id);
    if (blob === undefined) return;
    const total = Math.max(1, blob.blob.total);
    this.done += total - Math.min(blob.best, total);
    blob.best = total;
    blob.state = state;
    this.emit(blob, `Copying ${blob.blob.kind === "config" ? "config" : "blob"} ${short(blob.blob.id)} ${why}`);
  }

  private percent(): number {
    return Math.floor((99 * this.done) / this.total);
  }

  private emit(state: BlobState, message: string): void {
    const percent = this.percent();
    this.lastPercent = percent;
    this.sink({
      percent,
      phase: "uploading",
      message,
      bytesDone: this.done,
      bytesTotal: this.total,
      blob: { id: state.blob.id, kind: state.blob.kind, state: state.state, bytesDone: Math.min(state.best, state.blob.total), bytesTotal: state.blob.total },
    });
  }
}
