import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { ArchiveInvalid } from "@skopush/core";
import { Effect, type Scope } from "effect";
import { fromFsError, invalid } from "./archive-error.js";

/** A compression recognised by its magic bytes. */
export type Compression = "none" | "gzip" | "zstd" | "bzip2" | "xz";

const MAGICS: ReadonlyArray<readonly [Exclude<Compression, "none">, ReadonlyArray<number>]> = [
  ["gzip", [0x1f, 0x8b]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

/** Bytes {@link sniffCompression} needs. */
export const MAGIC_BYTES = 6;

/** The compression whose magic `head` starts with, else `none`. */
export const sniffCompression = (head: Uint8Array): Compression => {
  for (const [compression, magic] of MAGICS) {
    if (magic.every((byte, i) => head[i] === byte)) return compression;
  }
  return "none";
};

/** The command that decompresses an archive skopush cannot read compressed. */
export const DECOMPRESS_COMMAND: Record<"zstd" | "bzip2" | "xz", string> = {
  zstd: "unzstd",
  bzip2: "bunzip2",
  xz: "unxz",
};

/**
 * Decompresses a gzip archive into a private temporary file (directory mode 0700, file mode 0600) and
 * returns its path. The directory is removed when the scope closes, whether the work succeeded, failed
 * or was interrupted.
 */
export const gunzipToTemp = (
  path: string,
  tempRoot: string = tmpdir(),
): Effect.Effect<string, ArchiveInvalid, Scope.Scope> =>
  Effect.gen(function* () {
    const directory = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => mkdtemp(join(tempRoot, "skopush-archive-")),
        catch: (cause) => invalid(path, `cannot be decompressed: no temporary directory in ${tempRoot} (${String(cause)})`, "set TMPDIR to a writable directory with room for the decompressed archive", cause),
      }),
      (created) => Effect.promise(() => rm(created, { recursive: true, force: true })),
    );
    const target = join(directory, "archive.tar");
    yield* Effect.tryPromise({
      try: (signal) =>
        pipeline(createReadStream(path), createGunzip(), createWriteStream(target, { flags: "wx", mode: 0o600 }), { signal }),
      catch: (cause) => {
        const code = (cause as { code?: unknown }).code;
        if (typeof code === "string" && code.startsWith("Z_")) {
          return invalid(path, `is a corrupt or truncated gzip stream (${(cause as Error).message})`, "copy or save the archive again", cause);
        }
        if (code === "ENOSPC") {
          return invalid(path, `cannot be decompressed: no space left in ${tempRoot}`, "free space there, or set TMPDIR to a larger directory", cause);
        }
        return fromFsError(path, "decompressing it", cause);
      },
    });
    return target;
  });
