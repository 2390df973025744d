import type { ProgressEvent } from "@skopush/core";

/** Counts one push's blobs by how they ended, from its progress events (the last state of each blob id wins). */
export class BlobTally {
  private readonly states = new Map<string, string>();

  /** Takes one progress event. */
  readonly record = (event: ProgressEvent): void => {
    if (event.blob !== undefined) this.states.set(`${event.strategy ?? ""} ${event.blob.id}`, event.blob.state);
  };

  /** Blobs skipped (present or mounted) and uploaded, by the strategy that pushed. */
  counts(strategy: string | undefined): { readonly skipped: number; readonly uploaded: number } {
    let skipped = 0;
    let uploaded = 0;
    for (const [key, state] of this.states) {
      if (strategy !== undefined && !key.startsWith(`${strategy} `)) continue;
      if (state === "skipped") skipped += 1;
      else if (state === "done") uploaded += 1;
    }
    return { skipped, uploaded };
  }
}
