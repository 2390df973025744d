import { Transform, type TransformCallback } from "node:stream";
import { Permits } from "./permits.js";

/** Options of a {@link BlockCompressor}. */
export interface BlockCompressorOptions {
  /** Blocks of this stream compressed at once (on the libuv thread pool where the codec allows). */
  readonly threads: number;
  /**
   * Shared by every stream of a push: one permit per block in flight, so the memory held by blocks
   * being compressed stays bounded however many layers are compressed at once. @default threads permits of its own
   */
  readonly permits?: Permits | undefined;
  /** Input bytes per block; reads of this size are compressed without being copied. @default 262144 */
  readonly blockSize?: number | undefined;
}

/** What a {@link BlockCompressor} did, for benchmarks and tests. */
export interface BlockCompressorStats {
  inputBytes: number;
  outputBytes: number;
}

/**
 * A compressor that cuts its input into blocks of exactly `blockSize` bytes (the last one shorter),
 * compresses several at once and emits them in order: the output is the concatenation of one
 * independent compressed unit per block (gzip members, zstd frames), which every reader of the format
 * decompresses as one stream (like pigz and Go's pgzip). Block boundaries do not depend on how the
 * input arrives, so the output is deterministic for a given input, codec and options.
 */
export abstract class BlockCompressor extends Transform {
  abstract readonly stats: BlockCompressorStats;
  private readonly blockSize: number;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly inFlight: Promise<Buffer[]>[] = [];
  private readonly permits: Permits;
  private readonly threads: number;
  private held = 0;

  constructor(options: BlockCompressorOptions) {
    super();
    this.threads = options.threads;
    this.blockSize = options.blockSize ?? 256 << 10;
    this.permits = options.permits ?? new Permits(options.threads);
  }

  /** The compressed form of one block, as buffers to emit in order. */
  protected abstract compressBlock(block: Buffer): Promise<Buffer[]>;

  /** What an empty input compresses to (a valid empty file of the format). */
  protected abstract emptyOutput(): Promise<Buffer>;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.inputBytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.startBlocks(this.blockSize).then(() => this.drain(this.threads)).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.startBlocks(1)
      .then(() => this.drain(0))
      .then(async () => {
        if (this.stats.inputBytes === 0) this.output(await this.emptyOutput());
      })
      .then(() => callback(), callback);
  }

  private output(buffer: Buffer): void {
    this.stats.outputBytes += buffer.length;
    this.push(buffer);
  }

  /** Sends every pending block of at least `minimum` bytes to compression, a permit each. */
  private async startBlocks(minimum: number): Promise<void> {
    while (this.pendingBytes >= minimum && this.pendingBytes > 0 && !this.destroyed) {
      if (this.inFlight.length >= this.threads) await this.emitHead();
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
      const block = this.compressBlock(this.takeBlock(Math.min(this.blockSize, this.pendingBytes)));
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
}
