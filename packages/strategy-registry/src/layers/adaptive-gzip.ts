import { promisify } from "node:util";
import { crc32, gzip, gzipSync } from "node:zlib";
import { BlockCompressor, type BlockCompressorOptions, type BlockCompressorStats } from "./block-compressor.js";

const gzipAsync = promisify(gzip);

/** Options of {@link AdaptiveGzip}. */
export interface AdaptiveGzipOptions extends BlockCompressorOptions {
  /** zlib level for data worth compressing, 1 to 9. */
  readonly level: number;
}

/** What an {@link AdaptiveGzip} did, for benchmarks and tests. */
export interface AdaptiveGzipStats extends BlockCompressorStats {
  /** Input bytes that were deflated; the rest was stored. */
  deflatedBytes: number;
}

/** Bytes judged together: stored or deflated as one. */
export const SEGMENT_BYTES = 64 * 1024;
/** Above this many bits per byte (of at most 8), a segment is treated as already compressed. */
export const INCOMPRESSIBLE_ENTROPY = 7.5;
const SAMPLE_STRIDE = 16;
const MAX_STORED = 0xffff;
// Header of a gzip member: magic, deflate, no flags, mtime 0, no extra flags, OS unknown.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

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

/**
 * One gzip member holding `data` in deflate "stored" blocks: header, blocks of at most 65535 bytes (the
 * last one final), CRC-32 and length. The data is referenced, not copied.
 */
export const storedMember = (data: Buffer): Buffer[] => {
  const out: Buffer[] = [GZIP_HEADER];
  let at = 0;
  do {
    const length = Math.min(MAX_STORED, data.length - at);
    const header = Buffer.allocUnsafe(5);
    header[0] = at + length >= data.length ? 0x01 : 0x00;
    header.writeUInt16LE(length, 1);
    header.writeUInt16LE(~length & 0xffff, 3);
    out.push(header, data.subarray(at, at + length));
    at += length;
  } while (at < data.length);
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(crc32(data) >>> 0, 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  out.push(trailer);
  return out;
};

/**
 * A gzip compressor that is fast on data that does not compress and uses every core. The input is cut
 * into blocks compressed in parallel on the libuv thread pool (like pigz and Go's pgzip). Within a
 * block, each 64 KiB segment whose sampled entropy says it is already compressed (or random) is stored
 * (zlib level 0, memory speed) instead of deflated, which is what costs zlib most (≈ 30 MB/s on random
 * bytes, for nothing); runs of compressible segments are deflated at the configured level. Each run is
 * one gzip member, and the output is their concatenation: a multi-member gzip stream (RFC 1952 §2.2),
 * as eStargz layers and BGZF files are, which every gzip reader (Go's, zlib's, gzip(1)) decompresses as
 * one. The main thread only samples entropy and computes the CRC-32 of stored runs; deflating (and its
 * CRC-32) runs on the pool. The output is deterministic for a given input and options.
 */
export class AdaptiveGzip extends BlockCompressor {
  readonly stats: AdaptiveGzipStats = { inputBytes: 0, outputBytes: 0, deflatedBytes: 0 };

  constructor(private readonly options: AdaptiveGzipOptions) {
    super(options);
  }

  protected emptyOutput(): Promise<Buffer> {
    // Empty input still makes a valid gzip file: one empty member.
    return Promise.resolve(gzipSync(Buffer.alloc(0)));
  }

  protected compressBlock(block: Buffer): Promise<Buffer[]> {
    const runs: { compressible: boolean; start: number; end: number }[] = [];
    for (let start = 0; start < block.length; start += SEGMENT_BYTES) {
      const end = Math.min(block.length, start + SEGMENT_BYTES);
      const compressible = sampledEntropy(block.subarray(start, end)) < INCOMPRESSIBLE_ENTROPY;
      const last = runs[runs.length - 1];
      if (last !== undefined && last.compressible === compressible) last.end = end;
      else runs.push({ compressible, start, end });
    }
    return Promise.all(
      runs.map(async (run): Promise<Buffer[]> => {
        const data = block.subarray(run.start, run.end);
        if (!run.compressible) return storedMember(data);
        this.stats.deflatedBytes += data.length;
        // One output buffer for the whole member: zlib otherwise returns to the main thread every 16 KiB.
        const chunkSize = data.length + (data.length >> 6) + 1024;
        return [await gzipAsync(data, { level: this.options.level, chunkSize })];
      }),
    ).then((members) => members.flat());
  }
}
