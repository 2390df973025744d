import { pipeline, type Duplex, type Readable } from "node:stream";
import * as zlib from "node:zlib";
import type { LayerBlob } from "../image-plan.js";
import { AdaptiveGzip } from "./adaptive-gzip.js";
import type { BlockCompressor, BlockCompressorStats } from "./block-compressor.js";
import { ZstdBlocks } from "./zstd-blocks.js";
import { DigestCounter } from "./digest-counter.js";
import { LayerVerifier } from "./layer-verifier.js";
import type { Permits } from "./permits.js";

/** How layers are compressed on the way. */
export interface CompressionSettings {
  /** gzip level, 1 to 9. */
  readonly level: number;
  /** zstd level, 1 to 19. */
  readonly zstdLevel: number;
  readonly threads: number;
  /** Blocks in flight across every layer of the push (bounds the memory compression holds). */
  readonly permits: Permits;
}

/** The bytes of one upload attempt of a layer, checked and (when needed) compressed as they flow. */
export interface LayerSource {
  /** What to send. Fails with `ArchiveInvalid` when the layer does not match its digest or diff_id. */
  readonly stream: Readable;
  /** Digest and size of what was sent; undefined until `stream` ended. */
  sent(): { readonly digest: string; readonly size: number } | undefined;
  /** What the compressor did, for layers compressed on the way. */
  readonly compression: BlockCompressorStats | undefined;
  /** Stops reading and releases the file descriptor. */
  destroy(): void;
}

/** Bytes per read of a layer: large reads cost less per byte, and match the compressor's blocks. */
const READ_BYTES = 256 << 10;

const label = (blob: LayerBlob): string => `layer ${blob.layer.index} (${blob.layer.name})`;

/**
 * Opens a fresh source for one attempt (each call reopens the file: a retry starts over). Stored
 * compressed layers flow as they are through a {@link LayerVerifier}; uncompressed ones are verified
 * against their diff_id and compressed with {@link AdaptiveGzip} or {@link ZstdBlocks}; zstd layers bound for a Docker
 * manifest are verified, decompressed and gzip-compressed. `onBytes` counts source bytes read.
 */
export const openLayerSource = (
  archivePath: string,
  blob: LayerBlob,
  settings: CompressionSettings,
  onBytes: (bytes: number) => void,
): LayerSource => {
  const layer = blob.layer;
  const verifier = new LayerVerifier({
    path: archivePath,
    label: label(blob),
    compression: layer.compression,
    diffId: layer.diffId,
    digest: layer.digest,
    size: layer.size,
    onBytes,
  });
  const file = layer.open({ highWaterMark: READ_BYTES });
  if (blob.mode === "as-is") {
    const stream = pipeline(file, verifier, () => undefined) as unknown as Readable;
    return {
      stream,
      compression: undefined,
      sent: () => (verifier.digest === undefined ? undefined : { digest: verifier.digest, size: layer.size }),
      destroy: () => {
        file.destroy();
        verifier.destroy();
      },
    };
  }
  const shared = { threads: settings.threads, permits: settings.permits };
  const compressor: BlockCompressor =
    blob.codec === "zstd" ? new ZstdBlocks({ ...shared, level: settings.zstdLevel }) : new AdaptiveGzip({ ...shared, level: settings.level });
  const counter = new DigestCounter();
  const stages: Duplex[] = [verifier];
  if (blob.mode === "transcode") stages.push((zlib as unknown as { createZstdDecompress: () => Duplex }).createZstdDecompress());
  stages.push(compressor, counter);
  pipeline([file, ...stages], () => undefined);
  return {
    stream: counter,
    compression: compressor.stats,
    sent: () => counter.digest,
    destroy: () => {
      file.destroy();
      for (const stage of stages) stage.destroy();
    },
  };
};
