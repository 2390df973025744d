import { open, type FileHandle } from "node:fs/promises";
import type { ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";
import { failInvalid, fromFsError } from "./archive-error.js";
import { normalizeEntryName, parentOf, resolveLexically } from "./archive-path.js";
import { MAX_EXTENSION_HEADER_BYTES, MAX_TAR_ENTRIES } from "./limits.js";
import { formatBytes } from "./wording.js";
import { cString, dataSizeOf, paddingOf, parseHeaderBlock, parsePaxRecords, TAR_BLOCK, type TarHeaderKind } from "./tar-header.js";

/** One entry of an indexed tar. Its data is bytes `[dataOffset, dataOffset + size)` of the tar file. */
export interface TarEntry {
  /** Normalised: no leading `./`, no trailing `/`. */
  readonly name: string;
  readonly kind: Exclude<TarHeaderKind, "pax" | "pax-global" | "gnu-long-name" | "gnu-long-link">;
  readonly size: number;
  readonly dataOffset: number;
  /** Symlinks: the target as stored (relative to the link's directory). Hard links: the normalised target. */
  readonly linkTarget: string;
}

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

interface Extensions {
  path?: string;
  linkpath?: string;
  size?: number;
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

const fromPax = (records: ReadonlyMap<string, string>): Extensions | string => {
  const extensions: Extensions = {};
  const path = records.get("path");
  const linkpath = records.get("linkpath");
  const size = records.get("size");
  if (path !== undefined) extensions.path = path;
  if (linkpath !== undefined) extensions.linkpath = linkpath;
  if (size !== undefined) {
    if (!/^[0-9]+$/.test(size) || !Number.isSafeInteger(Number(size))) return `PAX size ${JSON.stringify(size)} is malformed`;
    extensions.size = Number(size);
  }
  return extensions;
};

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

const HOSTILE_FIX = "this archive was not written by docker or skopeo; do not use it";
const CORRUPT_FIX = "copy or save the archive again";
const NOT_A_TAR_FIX = "pass the tarball written by `docker save` or `skopeo copy … oci-archive:`";

const isExtension = (kind: TarHeaderKind): kind is "pax" | "pax-global" | "gnu-long-name" | "gnu-long-link" =>
  kind === "pax" || kind === "pax-global" || kind === "gnu-long-name" || kind === "gnu-long-link";

/** Extension headers seen since the last entry: they name, size or link the next one. */
interface Pending {
  global: Extensions;
  local: Extensions;
  longName?: string | undefined;
  longLink?: string | undefined;
}

/** The entry a header describes, extensions applied; `undefined` for the root directory (`./`). */
const entryOf = (
  pending: Pending,
  header: { readonly name: string; readonly linkname: string; readonly kind: TarEntry["kind"] },
  dataOffset: number,
  size: number,
): TarEntry | undefined | { readonly refused: string } => {
  const rawName = pending.local.path ?? pending.longName ?? pending.global.path ?? header.name;
  const rawLink = pending.local.linkpath ?? pending.longLink ?? pending.global.linkpath ?? header.linkname;
  const name = normalizeEntryName(rawName);
  if (!name.ok) return { refused: name.reason };
  if (name.path === "") return undefined;
  let linkTarget = "";
  if (header.kind === "symlink") {
    if (resolveLexically(parentOf(name.path), rawLink) === undefined) {
      return { refused: `entry ${JSON.stringify(name.path)} is a symlink to ${JSON.stringify(rawLink)}, which escapes the archive` };
    }
    linkTarget = rawLink;
  } else if (header.kind === "hardlink") {
    const target = resolveLexically("", rawLink);
    if (target === undefined || target === "") {
      return { refused: `entry ${JSON.stringify(name.path)} is a hard link to ${JSON.stringify(rawLink)}, which escapes the archive` };
    }
    linkTarget = target;
  }
  return { name: name.path, kind: header.kind, size, dataOffset, linkTarget };
};

const scan = (handle: FileHandle, source: TarSource): Effect.Effect<TarIndex, ArchiveInvalid> =>
  Effect.gen(function* () {
    const { path } = source;
    const fileSize = (yield* Effect.tryPromise({
      try: () => handle.stat(),
      catch: (cause) => fromFsError(path, "reading its size", cause),
    })).size;
    if (fileSize === 0) return yield* failInvalid(path, `${source.what} is empty`, "save the image again");
    const entries = new Map<string, TarEntry>();
    let pending: Pending = { global: {}, local: {} };
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
      const dataSize = dataSizeOf(header.typeflag, extension ? header.size : (pending.local.size ?? pending.global.size ?? header.size));
      const dataOffset = offset + TAR_BLOCK;
      if (dataOffset + dataSize > fileSize) {
        const what = extension ? "an extension header" : `entry ${JSON.stringify(pending.local.path ?? pending.longName ?? header.name)}`;
        return yield* failInvalid(path, `is truncated: ${what} needs ${formatBytes(dataSize)} at offset ${dataOffset}, but the file ends at ${fileSize}`, CORRUPT_FIX);
      }
      offset = dataOffset + dataSize + paddingOf(dataSize);

      if (extension) {
        if (dataSize > MAX_EXTENSION_HEADER_BYTES) {
          return yield* failInvalid(path, `has a ${formatBytes(dataSize)} tar extension header at offset ${headerOffset}, more than the ${formatBytes(MAX_EXTENSION_HEADER_BYTES)} skopush accepts`);
        }
        const data = yield* readAt(handle, source, dataOffset, dataSize);
        if (header.kind === "gnu-long-name") pending.longName = cString(data);
        else if (header.kind === "gnu-long-link") pending.longLink = cString(data);
        else {
          const records = parsePaxRecords(data);
          const extensions = typeof records === "string" ? records : fromPax(records);
          if (typeof extensions === "string") return yield* failInvalid(path, `has a malformed PAX header at offset ${headerOffset}: ${extensions}`);
          if (header.kind === "pax") pending.local = { ...pending.local, ...extensions };
          else pending.global = { ...pending.global, ...extensions };
        }
        continue;
      }

      const entry = entryOf(pending, { ...header, kind: header.kind as TarEntry["kind"] }, dataOffset, dataSize);
      pending = { global: pending.global, local: {} };
      if (entry === undefined) continue;
      if ("refused" in entry) return yield* failInvalid(path, entry.refused, HOSTILE_FIX);
      const existing = entries.get(entry.name);
      if (existing && !(existing.kind === "directory" && entry.kind === "directory")) {
        return yield* failInvalid(path, `contains ${JSON.stringify(entry.name)} twice, so readers may disagree on its content`);
      }
      if (entries.size >= MAX_TAR_ENTRIES) return yield* failInvalid(path, `has more than ${MAX_TAR_ENTRIES} entries; an image archive has far fewer`);
      entries.set(entry.name, entry);
    }
    if (!sawHeader) return yield* failInvalid(path, `${source.what} is an empty tar archive (no entries)`, "save the image again");
    return { fileSize, entries };
  });
