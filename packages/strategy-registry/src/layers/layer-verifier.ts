import { createHash, type Hash } from "node:crypto";
import { Transform, type Duplex, type TransformCallback } from "node:stream";
import * as zlib from "node:zlib";
import { ArchiveInvalid } from "@skopush/core";

/** What a {@link LayerVerifier} checks. */
export interface LayerExpectation {
  /** The archive, for the error. */
  readonly path: string;
  /** How the layer is named in messages, e.g. `layer 2 (blobs/sha256/…)`. */
  readonly label: string;
  /** How the bytes flowing through are compressed. */
  readonly compression: "none" | "gzip" | "zstd";
  /** sha256 of the uncompressed tar (the config's diff_id). */
  readonly diffId: string;
  /** sha256 of the bytes flowing through, when the archive states it. */
  readonly digest?: string | undefined;
  /** Bytes expected. */
  readonly size: number;
  /** Called with the number of bytes of each chunk read, for progress. */
  readonly onBytes?: ((bytes: number) => void) | undefined;
}

const zstdDecompressor = (): Duplex | undefined =>
  (zlib as unknown as { createZstdDecompress?: () => Duplex }).createZstdDecompress?.();

/**
 * Passes a layer's stored bytes through unchanged while checking them: their size, their digest (when
 * stated) and the digest of their uncompressed content against the diff_id (gunzipping on the side;
 * zstd only where this Node has it). The last chunk is held back until every check passed, so a
 * consumer never receives the complete bytes of a layer that lies: an upload of it cannot complete.
 */
export class LayerVerifier extends Transform {
  private readonly stored: Hash;
  private readonly algorithm: "sha256" | "sha512";
  private readonly uncompressed: Hash;
  private readonly decompressor: Duplex | undefined;
  private held: Buffer | undefined;
  private bytes = 0;
  private decompressorFailure: unknown;
  /** The digest of the bytes that flowed through (sha256, or the stated digest's algorithm), once they all did. */
  digest: string | undefined;

  constructor(private readonly expectation: LayerExpectation) {
    super();
    this.algorithm = expectation.digest?.startsWith("sha512:") ? "sha512" : "sha256";
    this.stored = createHash(this.algorithm);
    this.uncompressed = createHash("sha256");
    if (expectation.compression === "gzip") this.decompressor = zlib.createGunzip();
    else if (expectation.compression === "zstd") this.decompressor = zstdDecompressor();
    this.decompressor?.on("data", (chunk: Buffer) => this.uncompressed.update(chunk));
    this.decompressor?.on("error", (cause) => {
      this.decompressorFailure = cause;
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stored.update(chunk);
    this.bytes += chunk.length;
    this.expectation.onBytes?.(chunk.length);
    if (this.held !== undefined) this.push(this.held);
    this.held = chunk;
    if (this.expectation.compression === "none") {
      this.uncompressed.update(chunk);
      callback();
      return;
    }
    const decompressor = this.decompressor;
    if (decompressor === undefined || this.decompressorFailure !== undefined) {
      callback(this.decompressorFailure === undefined ? null : this.corrupt(this.decompressorFailure));
      return;
    }
    if (decompressor.write(chunk)) {
      callback();
      return;
    }
    // A corrupt stream errors instead of draining: either ends the wait.
    const resume = () => {
      decompressor.off("drain", resume);
      decompressor.off("error", resume);
      callback(this.decompressorFailure === undefined ? null : this.corrupt(this.decompressorFailure));
    };
    decompressor.on("drain", resume);
    decompressor.on("error", resume);
  }

  override _flush(callback: TransformCallback): void {
    const finish = () => {
      const failure = this.check();
      if (failure !== undefined) {
        callback(failure);
        return;
      }
      if (this.held !== undefined) this.push(this.held);
      this.held = undefined;
      callback();
    };
    const decompressor = this.decompressor;
    if (decompressor === undefined || this.decompressorFailure !== undefined) {
      finish();
      return;
    }
    decompressor.once("end", finish);
    decompressor.once("error", finish);
    decompressor.end();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.decompressor?.destroy();
    callback(error);
  }

  private corrupt(cause: unknown): ArchiveInvalid {
    return new ArchiveInvalid({
      path: this.expectation.path,
      reason: `${this.expectation.label} is not valid ${this.expectation.compression} (${cause instanceof Error ? cause.message : String(cause)})`,
      fix: "the archive is corrupt; save the image again",
      cause,
    });
  }

  private check(): ArchiveInvalid | undefined {
    const { path, label, size, digest, diffId } = this.expectation;
    if (this.decompressorFailure !== undefined) return this.corrupt(this.decompressorFailure);
    if (this.bytes !== size) {
      return new ArchiveInvalid({ path, reason: `${label} is ${this.bytes} bytes, not the ${size} the archive states`, fix: "copy or save the archive again" });
    }
    this.digest = `${this.algorithm}:${this.stored.digest("hex")}`;
    if (digest !== undefined && digest !== this.digest) {
      return new ArchiveInvalid({
        path,
        reason: `${label} content does not match its digest ${digest} (it hashes to ${this.digest})`,
        fix: "the archive is corrupt or was altered; save the image again",
      });
    }
    if (this.expectation.compression !== "none" && this.decompressor === undefined) return undefined;
    const actual = `sha256:${this.uncompressed.digest("hex")}`;
    if (actual !== diffId) {
      return new ArchiveInvalid({
        path,
        reason: `${label} content does not match its diff_id ${diffId} from the config (its uncompressed content hashes to ${actual})`,
        fix: "the archive is corrupt or was altered; save the image again",
      });
    }
    return undefined;
  }
}
