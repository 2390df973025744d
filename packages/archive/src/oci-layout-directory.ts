import { realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import type { ArchiveInvalid } from "@skopush/core";
import { Effect } from "effect";
import type { ArchiveFiles, StoredFile } from "./archive-files.js";
import { failInvalid, fromFsError, invalid } from "./archive-error.js";
import { normalizeEntryName } from "./archive-path.js";

const codeOf = (cause: unknown): unknown => (typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined);

/**
 * The files of an OCI layout directory (`skopeo copy … oci:<dir>`). Names are resolved with `realpath`
 * and must stay inside the directory, so a symlink in the layout cannot make skopush read or upload a
 * file from elsewhere.
 */
export const directoryFiles = (path: string): Effect.Effect<ArchiveFiles, ArchiveInvalid> =>
  Effect.gen(function* () {
    const root = yield* Effect.tryPromise({ try: () => realpath(path), catch: (cause) => fromFsError(path, "resolving the directory", cause) });
    const locate = (name: string): Effect.Effect<StoredFile | undefined, ArchiveInvalid> =>
      Effect.gen(function* () {
        const normalized = normalizeEntryName(name);
        if (!normalized.ok) return yield* failInvalid(path, normalized.reason);
        const real = yield* Effect.tryPromise({
          try: () => realpath(join(root, normalized.path)).catch((cause: unknown) => (codeOf(cause) === "ENOENT" || codeOf(cause) === "ENOTDIR" ? undefined : Promise.reject(cause))),
          catch: (cause) =>
            codeOf(cause) === "ELOOP"
              ? invalid(path, `following links from ${JSON.stringify(normalized.path)} loops`, undefined, cause)
              : fromFsError(path, `resolving ${normalized.path}`, cause),
        });
        if (real === undefined) return undefined;
        if (real !== root && !real.startsWith(`${root}${sep}`)) {
          return yield* failInvalid(path, `${JSON.stringify(normalized.path)} is a link that escapes the directory (to ${real})`, "an OCI layout must hold its own blobs");
        }
        const stats = yield* Effect.tryPromise({ try: () => stat(real), catch: (cause) => fromFsError(path, `reading ${normalized.path}`, cause) });
        if (!stats.isFile()) return yield* failInvalid(path, `${JSON.stringify(normalized.path)} is not a regular file`);
        return { name: normalized.path, file: real, start: 0, size: stats.size };
      });
    return { path, locate };
  });
