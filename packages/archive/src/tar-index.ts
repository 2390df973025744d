import { open, type FileHandle } from "node:fs/promises";
import type { ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";
import { failInvalid, fromFsError } from "./archive-error.js";
import { MAX_EXTENSION_HEADER_BYTES } from "./limits.js";
import { formatBytes } from "./wording.js";
import { afterEntry, announcedSize, applyExtension, entryOf, entryRefusal, HOSTILE_FIX, isExtension, noExtensions, rawNameOf, type TarEntry } from "./tar-entry.js";
import { dataSizeOf, paddingOf, parseHeaderBlock, TAR_BLOCK } from "./tar-header.js";

export type { TarEntry } from "./tar-entry.js";

/** The entries of a tar by normalised name, found by reading headers only. */
export interface TarIndex {
  readonly fileSize: number;
  readonly entries: ReadonlyMap<string, TarEntry>;
}

/** Where the tar is and how to name it in messages. */
export interface TarSource {
  /** The file holding the tar (the archive, or its decompressed temp copy). */
  readonly file: string;
  /** The caller's archive path, for messages. */
  readonly path: string;
  /** What the tar is, for "…is not a tar archive": e.g. `the file`, `the gzip-decompressed content`. */
  readonly what: string;
}

const readAt = (handle: FileHandle, source: TarSource, offset: number, length: number) =>
  Effect.tryPromise({
    try: async () => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    },
    catch: (cause) => fromFsError(source.path, "reading the tar headers", cause),
  });

/**
 * Indexes a tar by reading its headers with positioned reads and skipping data by offset; nothing of a
 * layer is read. Supports ustar (with the prefix field), PAX (`x`, `g`), GNU long names and links
 * (`L`, `K`) and base-256 sizes; verifies header checksums. Fails with `ArchiveInvalid` on a file that is
 * not a tar, a corrupt or truncated one (an entry whose data runs past the end; a missing end-of-archive
 * marker is tolerated when every entry is complete), entries with absolute paths or `..` components,
 * links whose targets leave the archive, and duplicate entries.
 */
export const indexTar = (source: TarSource): Effect.Effect<TarIndex, ArchiveInvalid> =>
  Effect.acquireUseRelease(
    Effect.tryPromise({ try: () => open(source.file, "r"), catch: (cause) => fromFsError(source.path, "opening it", cause) }),
    (handle) => scan(handle, source),
    (handle) => Effect.promise(() => handle.close().catch(() => undefined)),
  );

const CORRUPT_FIX = "copy or save the archive again";
const NOT_A_TAR_FIX = "pass the tarball written by `docker save` or `skopeo copy … oci-archive:`";

const scan = (handle: FileHandle, source: TarSource): Effect.Effect<TarIndex, ArchiveInvalid> =>
  Effect.gen(function* () {
    const { path } = source;
    const fileSize = (yield* Effect.tryPromise({
      try: () => handle.stat(),
      catch: (cause) => fromFsError(path, "reading its size", cause),
    })).size;
    if (fileSize === 0) return yield* failInvalid(path, `${source.what} is empty`, "save the image again");
    const entries = new Map<string, TarEntry>();
    let pending = noExtensions();
    let sawHeader = false;
    let offset = 0;
    while (offset < fileSize) {
      if (offset + TAR_BLOCK > fileSize) {
        // Shorter than one header before any header was read: not a tar at all (a text file, a stray download).
        return sawHeader
          ? yield* failInvalid(path, `is truncated: it ends inside the tar header at offset ${offset}`, CORRUPT_FIX)
          : yield* failInvalid(path, `${source.what} is not a tar archive (${formatBytes(fileSize)}, shorter than one tar header)`, NOT_A_TAR_FIX);
      }
      const parsed = parseHeaderBlock(yield* readAt(handle, source, offset, TAR_BLOCK));
      if (parsed._tag === "end") break;
      if (parsed._tag === "invalid") {
        return sawHeader
          ? yield* failInvalid(path, `has a corrupt tar header at offset ${offset} (${parsed.reason})`, CORRUPT_FIX)
          : yield* failInvalid(path, `${source.what} is not a tar archive (${parsed.reason} at offset 0)`, NOT_A_TAR_FIX);
      }
      sawHeader = true;
      const header = parsed.header;
      const headerOffset = offset;
      const extension = isExtension(header.kind);
      const dataSize = dataSizeOf(header.typeflag, announcedSize(pending, header));
      const dataOffset = offset + TAR_BLOCK;
      if (dataOffset + dataSize > fileSize) {
        const what = extension ? "an extension header" : `entry ${JSON.stringify(rawNameOf(pending, header))}`;
        return yield* failInvalid(path, `is truncated: ${what} needs ${formatBytes(dataSize)} at offset ${dataOffset}, but the file ends at ${fileSize}`, CORRUPT_FIX);
      }
      offset = dataOffset + dataSize + paddingOf(dataSize);

      if (extension) {
        if (dataSize > MAX_EXTENSION_HEADER_BYTES) {
          return yield* failInvalid(path, `has a ${formatBytes(dataSize)} tar extension header at offset ${headerOffset}, more than the ${formatBytes(MAX_EXTENSION_HEADER_BYTES)} skopush accepts`);
        }
        const malformed = applyExtension(pending, header.kind, yield* readAt(handle, source, dataOffset, dataSize));
        if (malformed !== undefined) return yield* failInvalid(path, `has a malformed PAX header at offset ${headerOffset}: ${malformed}`);
        continue;
      }

      const entry = entryOf(pending, { ...header, kind: header.kind as TarEntry["kind"] }, dataOffset, dataSize);
      pending = afterEntry(pending);
      if (entry === undefined) continue;
      if ("refused" in entry) return yield* failInvalid(path, entry.refused, HOSTILE_FIX);
      const refusal = entryRefusal(entries, entry);
      if (refusal !== undefined) return yield* failInvalid(path, refusal);
      entries.set(entry.name, entry);
    }
    if (!sawHeader) return yield* failInvalid(path, `${source.what} is an empty tar archive (no entries)`, "save the image again");
    return { fileSize, entries };
  });
