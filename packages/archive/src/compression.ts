import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { EnvironmentFault, type ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { fromFsError, invalid } from "./archive-error.js";
import { ownedPrefix, reapDeadTempDirectoriesOnce } from "./owned-temp-directory.js";

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

/** Error codes of a temp directory that cannot take the decompressed archive: the machine's fault, not the input's. */
const FULL_OR_LIMITED = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/** The start of the name of the directories archives are decompressed into. */
export const ARCHIVE_TEMP_BASE = "skopush-archive-";

/**
 * Decompresses a gzip archive into a private temporary file (directory mode 0700, file mode 0600) and
 * returns its path. The directory is removed when the scope closes, whether the work succeeded, failed
 * or was interrupted. A temp directory that is full, over quota or not writable is an `EnvironmentFault`
 * of `strategy` (the archive is fine); a corrupt stream is `ArchiveInvalid`.
 */
export const gunzipToTemp = (
  path: string,
  tempRoot: string = tmpdir(),
  strategy = "skopush",
): Effect.Effect<string, ArchiveInvalid | EnvironmentFault, Scope.Scope> =>
  Effect.gen(function* () {
    const directory = yield* Effect.acquireRelease(
      Effect.tryPromise({
        // Named after this process, so the next run removes it if this one is killed (SIGKILL runs no finalizer).
        try: async () => {
          await reapDeadTempDirectoriesOnce(tempRoot, ARCHIVE_TEMP_BASE);
          return mkdtemp(join(tempRoot, ownedPrefix(ARCHIVE_TEMP_BASE)));
        },
        catch: (cause) =>
          new EnvironmentFault({
            strategy,
            reason: `cannot create a temporary directory in ${tempRoot} to decompress ${path} into (${codeOrMessage(cause)})`,
            fix: "set TMPDIR (or the strategy's tempDirectory) to a writable directory with room for the decompressed archive",
            cause,
          }),
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
        if (typeof code === "string" && FULL_OR_LIMITED.has(code)) {
          return new EnvironmentFault({
            strategy,
            reason: `no room to decompress ${path} in ${tempRoot} (${code}: ${code === "EFBIG" ? "the file size limit of this process" : code === "EDQUOT" ? "the disk quota" : "the disk is full"})`,
            fix: `free space in ${tempRoot}, or set TMPDIR (or the strategy's tempDirectory) to a directory with room for the decompressed archive; the archive itself is fine`,
            cause,
          });
        }
        return fromFsError(path, "decompressing it", cause);
      },
    });
    return target;
  });

const codeOrMessage = (cause: unknown): string => {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : cause instanceof Error ? cause.message : String(cause);
};
