import { BlockCompressor, type BlockCompressorOptions, type BlockCompressorStats } from "./block-compressor.js";
import { zstdCompress, type ZstdCompress } from "./zstd-codec.js";

/** Options of {@link ZstdBlocks}. */
export interface ZstdBlocksOptions extends BlockCompressorOptions {
  /** zstd level, 1 to 19. */
  readonly level: number;
}

/**
 * A zstd compressor in blocks: each block is one zstd frame, and the output their concatenation, which
 * zstd readers (libzstd, Go's klauspost/compress used by containerd) decompress as one stream (RFC 8878
 * §3). Frames are compressed in parallel on the thread pool with Node's zstd, one by one otherwise.
 * zstd stores incompressible blocks raw by itself, cheaply, so no entropy sampling is needed.
 */
export class ZstdBlocks extends BlockCompressor {
  readonly stats: BlockCompressorStats = { inputBytes: 0, outputBytes: 0 };
  private readonly compress: ZstdCompress = zstdCompress();

  constructor(private readonly options: ZstdBlocksOptions) {
    super(options);
  }

  protected emptyOutput(): Promise<Buffer> {
    return this.compress(Buffer.alloc(0), this.options.level);
  }

  protected async compressBlock(block: Buffer): Promise<Buffer[]> {
    return [await this.compress(block, this.options.level)];
  }
}
