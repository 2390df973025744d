import type { ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";
import { failInvalid, invalid } from "./archive-error.js";
import { MAX_EXTENSION_HEADER_BYTES } from "./limits.js";
import { afterEntry, announcedSize, applyExtension, entryOf, entryRefusal, HOSTILE_FIX, isExtension, noExtensions, rawNameOf, type TarEntryKind } from "./tar-entry.js";
import { dataSizeOf, paddingOf, parseHeaderBlock, TAR_BLOCK } from "./tar-header.js";
import { formatBytes } from "./wording.js";

/** A regular file met in a tar stream; its content is read only when asked for. */
export interface StreamedTarFile {
  /** Normalised: no leading `./`, no `..`, not absolute. */
  readonly name: string;
  /** Permission bits as stored. */
  readonly mode: number;
  readonly size: number;
  /** The whole content; fails when `size` is more than the reader's `maxFileBytes`. Unasked, the bytes are skipped unread. */
  readonly content: Effect.Effect<Buffer, ArchiveInvalid>;
}

/** How {@link readTarStream} reads. */
export interface TarStreamOptions {
  /** What the stream is, for messages (an `ArchiveInvalid`'s `path`), e.g. `container c:/tmp/ws`. */
  readonly path: string;
  /** The largest file whose content may be asked for; the only file content ever held in memory. */
  readonly maxFileBytes: number;
}

const CORRUPT_FIX = "read the tar again; it was cut or damaged on the way";

/** Exact reads and skips over a byte stream, holding at most one chunk beyond what was asked for. */
class ByteReader {
  private readonly chunks: AsyncIterator<Uint8Array>;
  private rest: Buffer = Buffer.alloc(0);
  /** Bytes consumed so far: the stream offset of the next read. */
  offset = 0;

  constructor(stream: AsyncIterable<Uint8Array>) {
    this.chunks = stream[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done === true) return false;
    this.rest = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    return true;
  }

  /** Up to `length` bytes, in a buffer of their own; fewer only at the end of the stream. */
  async read(length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < length) {
      if (this.rest.length === 0 && !(await this.more())) break;
      const part = this.rest.subarray(0, length - have);
      this.rest = this.rest.subarray(part.length);
      parts.push(part);
      have += part.length;
    }
    this.offset += have;
    return Buffer.concat(parts, have);
  }

  /** Passes over up to `length` bytes without keeping them; answers how many there were. */
  async skip(length: number): Promise<number> {
    let skipped = 0;
    while (skipped < length) {
      if (this.rest.length === 0 && !(await this.more())) break;
      const part = Math.min(this.rest.length, length - skipped);
      this.rest = this.rest.subarray(part);
      skipped += part;
    }
    this.offset += skipped;
    return skipped;
  }

  /** Stops the stream (a Readable is destroyed), wherever the reading stopped. */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}

/**
 * Reads a tar as it streams in (a container's files through the Engine API's archive endpoint) and
 * calls `onFile` for each regular file, in order; directories are passed over. Memory stays bounded
 * whatever the stream's size: headers are read block by block, a file's content only when `onFile`
 * asks for it (at most `maxFileBytes`), everything else is skipped unread. Applies the archive package's
 * rules for tars: PAX and GNU extension headers (at most {@link MAX_EXTENSION_HEADER_BYTES}), header
 * checksums, no absolute names, no `..` components, no duplicate names; and, since the files are to be
 * written out, no links and no special files at all. Fails with `ArchiveInvalid` naming `options.path`,
 * or with `onFile`'s error; the stream is closed however the reading ends.
 */
export const readTarStream = <E>(
  stream: AsyncIterable<Uint8Array>,
  options: TarStreamOptions,
  onFile: (file: StreamedTarFile) => Effect.Effect<void, E>,
): Effect.Effect<void, ArchiveInvalid | E> =>
  Effect.acquireUseRelease(
    Effect.sync(() => new ByteReader(stream)),
    (reader) => scan(reader, options, onFile),
    (reader) => Effect.promise(() => reader.close().catch(() => undefined)),
  );

const scan = <E>(reader: ByteReader, options: TarStreamOptions, onFile: (file: StreamedTarFile) => Effect.Effect<void, E>) =>
  Effect.gen(function* () {
    const { path } = options;
    const io = <A>(action: string, run: () => Promise<A>) =>
      Effect.tryPromise({
        try: run,
        catch: (cause) => invalid(path, `could not be read while ${action}: ${cause instanceof Error ? cause.message : String(cause)}`, CORRUPT_FIX, cause),
      });
    const seen = new Map<string, { readonly kind: TarEntryKind }>();
    let pending = noExtensions();
    let sawHeader = false;
    for (;;) {
      const headerOffset = reader.offset;
      const block = yield* io("reading a tar header", () => reader.read(TAR_BLOCK));
      // A missing end-of-archive marker is tolerated when every entry is complete, as indexTar does.
      if (block.length === 0 && sawHeader) return;
      if (block.length === 0) return yield* failInvalid(path, "is an empty tar stream (no entries)", CORRUPT_FIX);
      if (block.length < TAR_BLOCK) return yield* failInvalid(path, `is truncated: it ends inside the tar header at offset ${headerOffset}`, CORRUPT_FIX);
      const parsed = parseHeaderBlock(block);
      if (parsed._tag === "end") return;
      if (parsed._tag === "invalid") {
        return yield* failInvalid(path, sawHeader ? `has a corrupt tar header at offset ${headerOffset} (${parsed.reason})` : `is not a tar stream (${parsed.reason} at offset 0)`, CORRUPT_FIX);
      }
      sawHeader = true;
      const header = parsed.header;
      const dataSize = dataSizeOf(header.typeflag, announcedSize(pending, header));
      const dataOffset = reader.offset;
      const truncated = (what: string) =>
        failInvalid(path, `is truncated: ${what} needs ${formatBytes(dataSize)} at offset ${dataOffset}, but the stream ends before`, CORRUPT_FIX);

      if (isExtension(header.kind)) {
        if (dataSize > MAX_EXTENSION_HEADER_BYTES) {
          return yield* failInvalid(path, `has a ${formatBytes(dataSize)} tar extension header at offset ${headerOffset}, more than the ${formatBytes(MAX_EXTENSION_HEADER_BYTES)} skopush accepts`);
        }
        const data = yield* io("reading an extension header", () => reader.read(dataSize));
        if (data.length < dataSize) return yield* truncated("an extension header");
        const malformed = applyExtension(pending, header.kind, data);
        if (malformed !== undefined) return yield* failInvalid(path, `has a malformed PAX header at offset ${headerOffset}: ${malformed}`);
        yield* io("reading a tar stream", () => reader.skip(paddingOf(dataSize)));
        continue;
      }

      const rawName = rawNameOf(pending, header);
      const entry = entryOf(pending, { ...header, kind: header.kind as TarEntryKind }, dataOffset, dataSize);
      pending = afterEntry(pending);
      if (entry !== undefined && "refused" in entry) return yield* failInvalid(path, entry.refused, HOSTILE_FIX);
      if (entry !== undefined) {
        if (entry.kind !== "file" && entry.kind !== "directory") {
          const what = entry.kind === "other" ? "special file" : entry.kind;
          return yield* failInvalid(path, `entry ${JSON.stringify(entry.name)} is a ${what}; only regular files and directories are read from a tar stream`, HOSTILE_FIX);
        }
        const refusal = entryRefusal(seen, entry);
        if (refusal !== undefined) return yield* failInvalid(path, refusal, HOSTILE_FIX);
        seen.set(entry.name, { kind: entry.kind });
      }
      let read = false;
      let current = true;
      if (entry?.kind === "file") {
        const content = Effect.suspend(() => {
          if (read || !current) return Effect.die(new Error(`the content of ${entry.name} was asked for twice, or after onFile returned`));
          read = true;
          if (dataSize > options.maxFileBytes) {
            return failInvalid(path, `entry ${JSON.stringify(entry.name)} holds ${formatBytes(dataSize)}, more than the ${formatBytes(options.maxFileBytes)} read from a tar stream`, HOSTILE_FIX);
          }
          return io(`reading ${JSON.stringify(entry.name)}`, () => reader.read(dataSize)).pipe(
            Effect.flatMap((data) => (data.length < dataSize ? truncated(`entry ${JSON.stringify(rawName)}`) : Effect.succeed(data))),
          );
        });
        yield* onFile({ name: entry.name, mode: header.mode, size: dataSize, content });
        current = false;
      }
      if (!read && (yield* io("reading a tar stream", () => reader.skip(dataSize))) < dataSize) return yield* truncated(`entry ${JSON.stringify(rawName)}`);
      yield* io("reading a tar stream", () => reader.skip(paddingOf(dataSize)));
    }
  });
