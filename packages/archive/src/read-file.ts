import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { StoredFile } from "./archive-files.js";
import { failInvalid, fromFsError, invalid, UNCHANGED_FIX } from "./archive-error.js";
import { MAX_JSON_BYTES } from "./limits.js";
import { formatBytes } from "./wording.js";

/** Reads up to `length` bytes from the start of a stored file (for sniffing its compression). */
export const readHead = (path: string, stored: StoredFile, length: number): Effect.Effect<Buffer, ArchiveInvalid> =>
  readRange(path, stored, Math.min(length, stored.size));

const readRange = (path: string, stored: StoredFile, length: number): Effect.Effect<Buffer, ArchiveInvalid> =>
  Effect.tryPromise({
    try: async () => {
      const handle = await open(stored.file, "r");
      try {
        const buffer = Buffer.alloc(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(buffer, done, length - done, stored.start + done);
          if (bytesRead === 0) throw invalid(path, `${stored.name} changed or shrank while it was being read`, UNCHANGED_FIX);
          done += bytesRead;
        }
        return buffer;
      } finally {
        await handle.close();
      }
    },
    catch: (cause) => fromFsError(path, `reading ${stored.name}`, cause),
  });

/** Reads a whole stored file into memory; refuses one larger than `max` (default {@link MAX_JSON_BYTES}). */
export const readStored = (
  path: string,
  stored: StoredFile,
  what: string,
  max: number = MAX_JSON_BYTES,
): Effect.Effect<Buffer, ArchiveInvalid> =>
  stored.size > max
    ? failInvalid(
        path,
        `${what === stored.name ? what : `${what} (${stored.name})`} is ${formatBytes(stored.size)}, more than the ${formatBytes(max)} skopush reads into memory`,
        "this is not a document docker or skopeo writes; registries refuse manifests this large too",
      )
    : readRange(path, stored, stored.size);

/** Parses stored JSON, failing with `ArchiveInvalid` that names the document. */
export const parseJson = (path: string, bytes: Buffer, what: string): Effect.Effect<unknown, ArchiveInvalid> =>
  Effect.try({
    try: () => JSON.parse(bytes.toString("utf8")) as unknown,
    catch: (cause) => invalid(path, `${what} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, cause),
  });

/** A stream of a stored file's bytes, `highWaterMark` bytes per read; each call opens its own file descriptor, so streams run in parallel. */
export const openStored = (stored: StoredFile, highWaterMark?: number): Readable =>
  stored.size === 0
    ? Readable.from([])
    : createReadStream(stored.file, { start: stored.start, end: stored.start + stored.size - 1, highWaterMark });
