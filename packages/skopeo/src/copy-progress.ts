import type { ArchiveSummary } from "@skopush/archive";
import { formatBytes } from "@skopush/archive";
import { shieldedCall, type BlobProgress, type ProgressEvent, type ProgressSink, type PushPhase } from "@skopush/core";
import { parseOutputLine } from "./output-lines.js";

/** Where each stage of a push sits on the 0–100 scale. */
export const PROGRESS_MARKS = {
  /** Archive inspected, workspace ready, skopeo starting. */
  prepared: 5,
  /** Every blob copied: the upload stage spans `prepared` … `uploaded` in proportion to bytes. */
  uploaded: 90,
  /** `Writing manifest to image destination`. */
  manifest: 92,
  /** `Storing signatures`. */
  signatures: 96,
  done: 100,
} as const;

type BlobState = BlobProgress["state"];

interface TrackedBlob {
  readonly kind: "layer" | "config";
  /** Ids skopeo may print for it: the stored digest (OCI) and the diff_id (docker-archive); the first is reported. */
  readonly ids: ReadonlyArray<string>;
  readonly size: number;
  state: BlobState;
  /** The name skopeo printed for it (a short id on a terminal), once it did. */
  shownAs?: string;
}

/** True when skopeo's `shown` id (a full digest, or a short hex prefix with a TTY) names the digest `known`. */
const sameBlob = (known: string, shown: string): boolean =>
  shown.includes(":") ? known === shown : known.slice(known.indexOf(":") + 1).startsWith(shown);

const short = (id: string): string => id.replace(/^(sha\d+:)?([0-9a-f]{12})[0-9a-f]*$/, "$1$2");

/**
 * Turns skopeo's output lines (and, where the host measures it, the bytes skopeo has read) into
 * well-formed progress: an integer percent that never goes down, phases, and one event per blob state
 * change (`ProgressEvent.blob`). Sizes come from the archive summary, since skopeo prints none without
 * a TTY. Byte progress is an estimate: skopeo reads the archive as it uploads, so bytes read since
 * "Getting image source signatures" (capped at the blobs started) track bytes sent; blob states come
 * only from skopeo's own lines.
 */
export class CopyProgress {
  private readonly blobs: TrackedBlob[];
  private readonly totalBytes: number;
  private percent = 0;
  private phase: PushPhase = "preparing";
  private bytesRead = 0;
  private bytesReadAtStart: number | undefined;
  private measured = 0;

  constructor(
    summary: Pick<ArchiveSummary, "layers" | "configDigest" | "configSize">,
    private readonly sink: ProgressSink,
  ) {
    this.blobs = [
      ...summary.layers.map((layer): TrackedBlob => ({
        kind: "layer",
        ids: [layer.digest, layer.diffId].filter((id): id is string => id !== undefined),
        size: layer.size,
        state: "waiting",
      })),
      { kind: "config", ids: [summary.configDigest], size: summary.configSize, state: "waiting" },
    ];
    this.totalBytes = Math.max(1, this.blobs.reduce((sum, blob) => sum + blob.size, 0));
  }

  /** Reports a step before skopeo runs (inspecting, staging); `percent` is capped below the upload stage. */
  preparing(percent: number, message: string): void {
    this.emit({ percent: Math.min(percent, PROGRESS_MARKS.prepared), phase: "preparing", message });
  }

  /** Feeds one line skopeo printed on stdout. */
  line(raw: string): void {
    const parsed = parseOutputLine(raw);
    switch (parsed.kind) {
      case "signatures":
        this.bytesReadAtStart = this.bytesRead;
        this.phase = "uploading";
        this.emit({ percent: PROGRESS_MARKS.prepared, phase: "uploading", message: "Getting image source signatures" });
        return;
      case "blob":
      case "config": {
        if (parsed.kind === "config") this.finishLayers();
        const blob = this.find(parsed.kind === "config" ? "config" : "layer", parsed.id, parsed.state === "started");
        this.phase = "uploading";
        if (blob === undefined) {
          this.emit({ percent: this.uploadPercent(), phase: "uploading", message: `Copying ${parsed.kind} ${short(parsed.id)}` });
          return;
        }
        this.transition(blob, parsed.state === "started" ? "uploading" : parsed.state);
        return;
      }
      case "manifest":
        this.finishLayers();
        for (const blob of this.blobs) if (blob.kind === "config") this.transition(blob, "done");
        this.phase = "manifest";
        this.emit({ percent: PROGRESS_MARKS.manifest, phase: "manifest", message: "Writing manifest to image destination" });
        return;
      case "storing-signatures":
        this.phase = "manifest";
        this.emit({ percent: PROGRESS_MARKS.signatures, phase: "manifest", message: "Storing signatures" });
        return;
      case "other":
        return;
    }
  }

  /** Feeds the total bytes skopeo has read so far (hosts that can measure it). */
  bytesReadSoFar(bytes: number): void {
    this.bytesRead = Math.max(this.bytesRead, bytes);
    if (this.bytesReadAtStart === undefined || this.phase !== "uploading") return;
    const started = this.sum((blob) => blob.state !== "waiting");
    const measured = Math.min(this.bytesRead - this.bytesReadAtStart, started);
    if (measured <= this.measured) return;
    this.measured = measured;
    const percent = this.uploadPercent();
    if (percent > this.percent) {
      this.emit({ percent, phase: "uploading", message: `Uploading: ${formatBytes(this.bytesDone())} of ${formatBytes(this.totalBytes)}` });
    }
  }

  /** Reports something that happened (a retry) without moving the percent. */
  note(message: string): void {
    this.emit({ percent: this.percent, phase: this.phase, message });
  }

  /** Reports the pushed digest: 100%. */
  finished(message: string): void {
    this.emit({ percent: PROGRESS_MARKS.done, phase: "done", message });
  }

  /** Bytes of the archive's blobs skopeo copied: every blob but those the registry already had. */
  get bytesPushed(): number {
    return this.sum((blob) => blob.state !== "skipped");
  }

  /**
   * The blob a line names. skopeo names a blob by the digest it read (the diff_id for docker-archive),
   * but a terminal shows a reused blob under the digest the registry has, which the archive does not
   * know: an unknown name claims the next blob that has not started, in order, as skopeo copies them.
   */
  private find(kind: "layer" | "config", shown: string, starting: boolean): TrackedBlob | undefined {
    const ofKind = this.blobs.filter((blob) => blob.kind === kind);
    const named = ofKind.filter((blob) => blob.shownAs === shown);
    const known = ofKind.filter((blob) => blob.ids.some((id) => sameBlob(id, shown)));
    // An image may list one layer twice; each "started" line claims the next copy that has not started.
    const candidates = starting ? [...known, ...named] : [...named, ...known];
    const found =
      (starting ? candidates.find((blob) => blob.state === "waiting") : undefined) ??
      candidates.find((blob) => blob.state === "uploading") ??
      candidates[0] ??
      ofKind.find((blob) => blob.state === "waiting");
    if (found) found.shownAs ??= shown;
    return found;
  }

  private finishLayers(): void {
    for (const blob of this.blobs) if (blob.kind === "layer" && (blob.state === "waiting" || blob.state === "uploading")) this.transition(blob, "done");
  }

  private transition(blob: TrackedBlob, state: BlobState): void {
    if (blob.state === state || blob.state === "done" || blob.state === "skipped") return;
    blob.state = state;
    const id = blob.ids[0] ?? blob.shownAs ?? "";
    const verb = state === "uploading" ? "Copying" : state === "skipped" ? "Skipped (already exists)" : "Copied";
    this.emit({
      percent: this.uploadPercent(),
      phase: this.phase === "preparing" ? "uploading" : this.phase,
      message: `${verb} ${blob.kind === "config" ? "config" : "blob"} ${short(id)} (${formatBytes(blob.size)})`,
      blob: {
        id,
        kind: blob.kind,
        state,
        bytesDone: state === "done" || state === "skipped" ? blob.size : 0,
        bytesTotal: blob.size,
      },
    });
  }

  private sum(which: (blob: TrackedBlob) => boolean): number {
    return this.blobs.filter(which).reduce((total, blob) => total + blob.size, 0);
  }

  private bytesDone(): number {
    return Math.min(this.totalBytes, Math.max(this.sum((blob) => blob.state === "done" || blob.state === "skipped"), this.measured));
  }

  private uploadPercent(): number {
    const span = PROGRESS_MARKS.uploaded - PROGRESS_MARKS.prepared;
    return Math.floor(PROGRESS_MARKS.prepared + (span * this.bytesDone()) / this.totalBytes);
  }

  private emit(event: Omit<ProgressEvent, "bytesDone" | "bytesTotal">): void {
    const percent = Math.max(this.percent, Math.min(100, Math.floor(event.percent)));
    this.percent = percent;
    shieldedCall(() => this.sink({ ...event, percent, bytesDone: this.bytesDone(), bytesTotal: this.totalBytes }));
  }
}
