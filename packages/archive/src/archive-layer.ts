import { createHash } from "node:crypto";
import type { Duplex } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import type { ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { StoredFile } from "./archive-files.js";
import { failInvalid, fromFsError, invalid, UNCHANGED_FIX } from "./archive-error.js";
import { MAGIC_BYTES, sniffCompression } from "./compression.js";
import { parseDigest } from "./digest.js";
import type { ArchiveLayer, LayerReadOptions } from "./image-archive.js";
import type { LayerCompression } from "./media-types.js";
import { openStored, readHead } from "./read-file.js";

/** `layer 2 (blobs/sha256/…)`: how messages name a layer. */
export const layerLabel = (index: number, name: string): string => `layer ${index} (${name})`;

/**
 * The compression of a stored layer: sniffed from its first bytes, and checked against what its media
 * type states when it states one (a gzip type over plain bytes is a lie a registry would store as is).
 */
export const layerCompression = (
  path: string,
  label: string,
  stored: StoredFile,
  stated: LayerCompression | undefined,
): Effect.Effect<LayerCompression, ArchiveInvalid> =>
  Effect.gen(function* () {
    const sniffed = sniffCompression(yield* readHead(path, stored, MAGIC_BYTES));
    if (sniffed === "bzip2" || sniffed === "xz") {
      return yield* failInvalid(path, `${label} is ${sniffed}-compressed, which image layers never are`);
    }
    if (stated !== undefined && stated !== sniffed && stored.size > 0) {
      return yield* failInvalid(path, `${label} is stored ${sniffed === "none" ? "uncompressed" : sniffed}, but its media type says ${stated === "none" ? "uncompressed" : stated}`);
    }
    return stated ?? sniffed;
  });

// zstd arrived in zlib with Node 22.15 / 23.8; on older Nodes a zstd layer's diff_id is not checked.
const zstdDecompressor = (): Duplex | undefined => {
  const create = (zlib as unknown as { createZstdDecompress?: () => Duplex }).createZstdDecompress;
  return create?.();
};

const decompressorOf = (compression: LayerCompression): Duplex | undefined | "none" => {
  if (compression === "none") return "none";
  if (compression === "gzip") return zlib.createGunzip();
  return zstdDecompressor();
};

/** What a layer is made of, before `open` and `verify` are attached. */
export interface LayerParts {
  readonly index: number;
  readonly stored: StoredFile;
  readonly mediaType: string;
  readonly compression: LayerCompression;
  readonly diffId: string;
  readonly digest: string | undefined;
}

/** An {@link ArchiveLayer} over its stored bytes in `path`'s archive. */
export const makeLayer = (path: string, parts: LayerParts): ArchiveLayer => {
  const label = layerLabel(parts.index, parts.stored.name);
  const open = (options?: LayerReadOptions) => openStored(parts.stored, options?.highWaterMark);
  const verify = (): Effect.Effect<void, ArchiveInvalid> =>
    Effect.gen(function* () {
      const storedAlgorithm = parts.digest === undefined ? "sha256" : (parseDigest(parts.digest)?.algorithm ?? "sha256");
      const storedHash = createHash(storedAlgorithm);
      const diffHash = createHash("sha256");
      const decompressor = decompressorOf(parts.compression);
      let size = 0;
      yield* Effect.tryPromise({
        try: async (signal) => {
          const count = async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              storedHash.update(chunk);
              size += chunk.length;
              if (decompressor === "none") diffHash.update(chunk);
              yield chunk;
            }
          };
          const sink = async (source: AsyncIterable<Buffer | string>) => {
            for await (const chunk of source) if (decompressor !== "none") diffHash.update(chunk);
          };
          if (decompressor === "none" || decompressor === undefined) await pipeline(open(), count, sink, { signal });
          else await pipeline(open(), count, decompressor, sink, { signal });
        },
        catch: (cause) => {
          const code = (cause as { code?: unknown }).code;
          return typeof code === "string" && code.startsWith("Z_")
            ? invalid(path, `${label} is not valid ${parts.compression} (${(cause as Error).message})`, "the archive is corrupt; save the image again", cause)
            : fromFsError(path, `reading ${label}`, cause);
        },
      });
      const storedDigest = `${storedAlgorithm}:${storedHash.digest("hex")}`;
      if (size !== parts.stored.size) {
        return yield* failInvalid(path, `${label} changed while it was being read (${size} bytes, expected ${parts.stored.size})`, UNCHANGED_FIX);
      }
      if (parts.digest !== undefined && storedDigest !== parts.digest) {
        return yield* failInvalid(path, `${label} content does not match its digest ${parts.digest} (it hashes to ${storedDigest})`, "the archive is corrupt or was altered; save the image again");
      }
      if (decompressor === undefined) return;
      const diffDigest = `sha256:${diffHash.digest("hex")}`;
      if (diffDigest !== parts.diffId) {
        return yield* failInvalid(path, `${label} content does not match its diff_id ${parts.diffId} from the config (its uncompressed content hashes to ${diffDigest})`, "the archive is corrupt or was altered; save the image again");
      }
    });
  return {
    index: parts.index,
    name: parts.stored.name,
    size: parts.stored.size,
    mediaType: parts.mediaType,
    compression: parts.compression,
    diffId: parts.diffId,
    digest: parts.digest,
    open,
    verify,
  };
};
