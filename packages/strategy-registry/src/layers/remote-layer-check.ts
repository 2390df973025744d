import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { PushError } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { RegistryClient } from "@skopush/registry-client";

/** A gzip blob some image in the repository claims is one of our layers. */
export interface ClaimedForm {
  readonly digest: string;
  readonly size: number;
}

/** What our layer is, for checking a claimed form of it. */
export interface LayerIdentity {
  /** sha256 of the uncompressed tar. */
  readonly diffId: string;
  /** Its uncompressed size, when known: a gzip of it cannot be much larger, nor decompress to more. */
  readonly uncompressedSize: number | undefined;
}

// Deflate's stored blocks add 5 bytes per 64 KiB; the gzip header and trailer a few more.
const largestGzipOf = (bytes: number): number => Math.ceil(bytes * 1.01) + 64 * 1024;

/**
 * A sink that hashes a blob as it arrives and gunzips it on the side, hashing the result: afterwards it
 * tells whether the blob is `form` (its digest and size) and decompresses to `layer` (its diff_id).
 * It never fails: a stream that is not gzip, or decompresses past the layer's size (a gzip bomb), only
 * makes the answer false, and the rest is drained without being decompressed.
 */
export class FormCheck extends Writable {
  private readonly compressed = createHash("sha256");
  private readonly uncompressed = createHash("sha256");
  private readonly gunzip = createGunzip();
  private compressedBytes = 0;
  private uncompressedBytes = 0;
  private broken = false;
  /** The write waiting for the decompressor to drain; released when it drains or breaks. */
  private pending: (() => void) | undefined;

  constructor(
    private readonly form: ClaimedForm,
    private readonly layer: LayerIdentity,
  ) {
    super();
    this.gunzip.on("data", (chunk: Buffer) => {
      this.uncompressedBytes += chunk.length;
      if (this.layer.uncompressedSize !== undefined && this.uncompressedBytes > this.layer.uncompressedSize) this.break();
      else this.uncompressed.update(chunk);
    });
    this.gunzip.on("error", () => this.break());
  }

  private break(): void {
    if (this.broken) return;
    this.broken = true;
    this.gunzip.destroy();
    this.release();
  }

  private release(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.compressed.update(chunk);
    this.compressedBytes += chunk.length;
    if (this.compressedBytes > this.form.size) this.break();
    if (this.broken || this.gunzip.write(chunk)) return callback();
    this.pending = () => callback();
    this.gunzip.once("drain", () => this.release());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.broken) return callback();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      callback();
    };
    this.gunzip.once("end", finish);
    this.gunzip.once("close", finish);
    this.gunzip.end();
  }

  /** Whether what arrived is the claimed blob and decompresses to our layer. */
  get matches(): boolean {
    return (
      !this.broken &&
      this.compressedBytes === this.form.size &&
      // Node's gunzip skips trailing zero bytes that Go's gzip (containerd, docker, skopeo) fails on.
      this.gunzip.bytesWritten === this.compressedBytes &&
      `sha256:${this.compressed.digest("hex")}` === this.form.digest &&
      (this.layer.uncompressedSize === undefined || this.uncompressedBytes === this.layer.uncompressedSize) &&
      `sha256:${this.uncompressed.digest("hex")}` === this.layer.diffId
    );
  }
}

/**
 * Downloads the blob `form` from `repository`, streaming, and answers whether it is a gzip of our layer:
 * its own digest and size, and the sha256 of what it decompresses to equal to our diff_id. What another
 * pusher's image claims about a blob (its config's `diff_ids`) is never taken on trust. A blob too large
 * to be a gzip of our layer is not downloaded; one that is missing, or any refusal, is `false`.
 */
export const isFormOfLayer = (client: RegistryClient, repository: string, form: ClaimedForm, layer: LayerIdentity): Effect.Effect<boolean, PushError> => {
  if (!/^sha256:[0-9a-f]{64}$/.test(form.digest)) return Effect.succeed(false);
  if (layer.uncompressedSize !== undefined && form.size > largestGzipOf(layer.uncompressedSize)) return Effect.succeed(false);
  return Effect.gen(function* () {
    let check: FormCheck | undefined;
    const response = yield* client.call({
      operation: "blob-check",
      method: "GET",
      url: `/v2/${repository}/blobs/${form.digest}`,
      openBodySink: () => (check = new FormCheck(form, layer)),
    });
    return response.status === 200 && check !== undefined && check.matches;
  });
};
