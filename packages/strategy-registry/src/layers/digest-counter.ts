import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/** A pass-through stream that hashes (sha256) and counts what flows through it: the bytes pushed. */
export class DigestCounter extends Transform {
  private readonly hash: Hash = createHash("sha256");
  private bytes = 0;
  private result: { readonly digest: string; readonly size: number } | undefined;

  constructor() {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = { digest: `sha256:${this.hash.digest("hex")}`, size: this.bytes };
    callback();
  }

  /** Digest and size of everything that flowed through; undefined until the stream ended. */
  get digest(): { readonly digest: string; readonly size: number } | undefined {
    return this.result;
  }
}
