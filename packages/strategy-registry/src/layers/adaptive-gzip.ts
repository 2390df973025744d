import { Transform, type TransformCallback } from "node:stream";
import { promisify } from "node:util";
import { constants, crc32, deflateRaw } from "node:zlib";
import { Permits } from "./permits.js";

const deflateRawAsync = promisify(deflateRaw);

/** Options of {@link AdaptiveGzip}. */
export interface AdaptiveGzipOptions {
  /** zlib level for data worth compressing, 1 to 9. */
  readonly level: number;
  /** Blocks of this stream compressed at once on the libuv thread pool. */
  readonly threads: number;
  /**
   * Shared by every stream of a push: one permit per block in flight, so the memory held by blocks
   * being compressed stays bounded however many layers are compressed at once. @default threads permits of its own
   */
  readonly permits?: Permits | undefined;
  /** Input bytes per block; reads of this size are compressed without being copied. @default 262144 */
  readonly blockSize?: number | undefined;
}

/** What an {@link AdaptiveGzip} did, for benchmarks and tests. */
export interface AdaptiveGzipStats {
  inputBytes: number;
  outputBytes: number;
  /** Input bytes that were deflated; the rest was stored. */
  deflatedBytes: number;
}

/** Bytes judged together: stored or deflated as one. */
export const SEGMENT_BYTES = 64 * 1024;
/** Above this many bits per byte (of at most 8), a segment is treated as already compressed. */
export const INCOMPRESSIBLE_ENTROPY = 7.5;
const SAMPLE_STRIDE = 16;
const MAX_STORED = 0xffff;

// Header: magic, deflate, no flags, mtime 0, no extra flags, OS unknown (as Go's compress/gzip writes).
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
// An empty stored block with BFINAL set ends the deflate stream.
const FINAL_EMPTY_STORED_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

const LOG2 = new Float64Array(4097).map((_, n) => (n === 0 ? 0 : Math.log2(n)));

/**
 * Shannon entropy, in bits per byte, of every 16th byte of `segment`: cheap (a sixteenth of the bytes,
 * in JavaScript) and enough to tell compressed or random data (≈ 8) from text and binaries (≤ 6.5).
 */
export const sampledEntropy = (segment: Uint8Array): number => {
  const counts = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < segment.length; i += SAMPLE_STRIDE) {
    counts[segment[i] as number]! += 1;
    n++;
  }
  if (n === 0) return 0;
  // H = log2(n) - (1/n) Σ c·log2(c)
  let sum = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b] as number;
    if (c > 0) sum += c * (c < LOG2.length ? (LOG2[c] as number) : Math.log2(c));
  }
  return Math.log2(n) - sum / n;
};

/** Deflate "stored" blocks (BFINAL 0) holding `data` as is. */
export const storedBlocks = (data: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_STORED) {
    const length = Math.min(MAX_STORED, data.length - at);
    const header = Buffer.allocUnsafe(5);
    header[0] = 0x00;
    header.writeUInt16LE(length, 1);
    header.writeUInt16LE(~length & 0xffff, 3);
    out.push(header, data.subarray(at, at + length));
  }
  return out;
};

/**
 * A gzip compressor that is fast on data that does not compress and uses every core. The input is cut
 * into blocks compressed in parallel on the thread pool (like pigz and Go's pgzip); within a block,
 * each 64 KiB segment whose sampled entropy says it is already compressed (or random) is stored as is
 * instead of deflated, which is what costs zlib most (≈ 30 MB/s on random bytes, for nothing). Runs of
 * compressible segments are deflated as independent raw streams ending in a sync flush: byte-aligned,
 * non-final, and never referring back past their own start, so they concatenate with stored blocks
 * into one valid deflate stream. The output is deterministic for a given input and options.
 */
export class AdaptiveGzip extends Transform {
  readonly stats: AdaptiveGzipStats = { inputBytes: 0, outputBytes: 0, deflatedBytes: 0 };
  private readonly blockSize: number;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly inFlight: Promise<Buffer[]>[] = [];
  private readonly permits: Permits;
  private held = 0;
  private crc = 0;
  private started = false;

  constructor(private readonly options: AdaptiveGzipOptions) {
    super();
    this.blockSize = options.blockSize ?? 256 << 10;
    this.permits = options.permits ?? new Permits(options.threads);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.begin();
    this.crc = crc32(chunk, this.crc);
    this.stats.inputBytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.startBlocks(this.blockSize).then(() => this.drain(this.options.threads)).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.begin();
    this.startBlocks(1).then(() => this.drain(0)).then(() => {
      const trailer = Buffer.allocUnsafe(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.stats.inputBytes % 2 ** 32, 4);
      this.output(FINAL_EMPTY_STORED_BLOCK);
      this.output(trailer);
      callback();
    }, callback);
  }

  private begin(): void {
    if (this.started) return;
    this.started = true;
    this.output(GZIP_HEADER);
  }

  private output(buffer: Buffer): void {
    this.stats.outputBytes += buffer.length;
    this.push(buffer);
  }

  /** Sends every pending block of at least `minimum` bytes to compression, a permit each. */
  private async startBlocks(minimum: number): Promise<void> {
    while (this.pendingBytes >= minimum && this.pendingBytes > 0 && !this.destroyed) {
      if (this.inFlight.length >= this.options.threads) await this.emitHead();
      // Waiting for a permit while holding some could starve every stream: finish our own first.
      let acquired = false;
      while (!acquired && !this.destroyed) {
        if (this.permits.tryAcquire()) acquired = true;
        else if (this.inFlight.length > 0) await this.emitHead();
        else {
          await this.permits.acquire();
          acquired = true;
        }
      }
      if (this.destroyed) {
        if (acquired) this.permits.release();
        return;
      }
      this.held++;
      const block = this.compress(this.takeBlock(Math.min(this.blockSize, this.pendingBytes)));
      block.catch(() => undefined); // awaited in order by emitHead; dropped unawaited when destroyed
      this.inFlight.push(block);
    }
  }

  /** Waits until fewer than `limit` blocks are in flight (none for 0), emitting finished ones in order. */
  private async drain(limit: number): Promise<void> {
    while (this.inFlight.length > 0 && this.inFlight.length >= Math.max(1, limit) && !this.destroyed) await this.emitHead();
  }

  /** Emits the oldest block once compressed, and gives its permit back. */
  private async emitHead(): Promise<void> {
    const parts = await (this.inFlight.shift() as Promise<Buffer[]>);
    if (this.destroyed) return; // _destroy gave the permit back already
    this.held--;
    this.permits.release();
    if (!this.destroyed) for (const buffer of parts) this.output(buffer);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    // Blocks still compressing are dropped; their permits go back so that a retry of this layer can run.
    this.inFlight.length = 0;
    for (; this.held > 0; this.held--) this.permits.release();
    callback(error);
  }

  private takeBlock(bytes: number): Buffer {
    const whole = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending.length = 0;
    const block = whole.subarray(0, bytes);
    const rest = whole.subarray(bytes);
    this.pendingBytes = rest.length;
    if (rest.length > 0) this.pending.push(rest);
    return block;
  }

  private async compress(block: Buffer): Promise<Buffer[]> {
    const runs: { compressible: boolean; start: number; end: number }[] = [];
    for (let start = 0; start < block.length; start += SEGMENT_BYTES) {
      const end = Math.min(block.length, start + SEGMENT_BYTES);
      const compressible = sampledEntropy(block.subarray(start, end)) < INCOMPRESSIBLE_ENTROPY;
      const last = runs[runs.length - 1];
      if (last !== undefined && last.compressible === compressible) last.end = end;
      else runs.push({ compressible, start, end });
    }
    const parts = await Promise.all(
      runs.map(async (run) => {
        const data = block.subarray(run.start, run.end);
        if (!run.compressible) return storedBlocks(data);
        this.stats.deflatedBytes += data.length;
        // One output buffer for the whole run: zlib otherwise returns to the main thread every 16 KiB of output.
        const chunkSize = Math.max(64 * 1024, data.length + 1024);
        return [await deflateRawAsync(data, { level: this.options.level, finishFlush: constants.Z_SYNC_FLUSH, chunkSize })];
      }),
    );
    return parts.flat();
  }
}
