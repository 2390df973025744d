import type { ArchiveInvalid } from "@skopush/core";
import type { Effect } from "effect";

/** Where one file of an archive is stored: bytes `[start, start + size)` of `file`. */
export interface StoredFile {
  /** The name that was asked for, normalised. */
  readonly name: string;
  /** The OS file holding it: the tar (or its decompressed copy), or a file of an OCI layout directory. */
  readonly file: string;
  readonly start: number;
  readonly size: number;
}

/** The files of an image archive, whether it is a tar or an OCI layout directory. */
export interface ArchiveFiles {
  /** The caller's archive path, for messages. */
  readonly path: string;
  /**
   * Finds a regular file, following links safely. `undefined` when absent; fails with `ArchiveInvalid`
   * when the name or a link on the way leaves the archive, links loop, or it is not a regular file.
   */
  locate(name: string): Effect.Effect<StoredFile | undefined, ArchiveInvalid>;
}
