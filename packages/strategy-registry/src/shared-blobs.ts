/** A blob that landed on a registry during this process: where, and as what. */
export interface LandedBlob {
  readonly digest: string;
  readonly size: number;
  /** The repository it was pushed to (or found in). */
  readonly repository: string;
}

/**
 * The blobs one strategy instance is pushing or has pushed, keyed by registry and layer form. Pushes that
 * run at once in one process (`pushMany`) share a base layer through it: the first claims the blob and
 * uploads it, the others wait for it and mount it from the first one's repository instead of uploading it
 * again. A failed push releases its claim, so the next one tries itself.
 */
export class SharedBlobs {
  private readonly entries = new Map<string, Promise<LandedBlob | undefined>>();

  /**
   * The blob another push of this process claimed under `key` (settled: landed, or `undefined` when that
   * push failed), or `undefined` after claiming it for the caller, who must call `settle` once.
   */
  claim(key: string): { readonly waitFor: Promise<LandedBlob | undefined> } | { readonly settle: (landed: LandedBlob | undefined) => void } {
    const existing = this.entries.get(key);
    if (existing !== undefined) return { waitFor: existing };
    let settle: (landed: LandedBlob | undefined) => void = () => {};
    const landed = new Promise<LandedBlob | undefined>((resolve) => {
      settle = resolve;
    });
    this.entries.set(key, landed);
    return {
      settle: (blob) => {
        if (blob === undefined && this.entries.get(key) === landed) this.entries.delete(key);
        settle(blob);
      },
    };
  }
}
