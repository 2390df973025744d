import { ArchiveInvalid } from "@skopush/core";
import { Effect } from "effect";

/** An `ArchiveInvalid` for the archive at `path`. */
export const invalid = (path: string, reason: string, fix?: string, cause?: unknown): ArchiveInvalid =>
  new ArchiveInvalid({ path, reason, fix, cause });

/** Fails with {@link invalid}. */
export const failInvalid = (path: string, reason: string, fix?: string): Effect.Effect<never, ArchiveInvalid> =>
  Effect.fail(invalid(path, reason, fix));

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && typeof (cause as { code?: unknown }).code === "string"
    ? (cause as { code: string }).code
    : undefined;

/** Maps a file-system failure while `action` (e.g. "reading manifest.json") to `ArchiveInvalid`. */
export const fromFsError = (path: string, action: string, cause: unknown): ArchiveInvalid => {
  if (cause instanceof ArchiveInvalid) return cause;
  switch (codeOf(cause)) {
    case "ENOENT":
      return invalid(path, "does not exist", "check the path of the image archive", cause);
    case "EACCES":
    case "EPERM":
      return invalid(path, `cannot be read (permission denied) while ${action}`, "make the archive readable by this user", cause);
    case "EISDIR":
      return invalid(path, `is a directory where a file was expected while ${action}`, undefined, cause);
    default: {
      const message = cause instanceof Error ? cause.message : String(cause);
      return invalid(path, `could not be read while ${action}: ${message}`, undefined, cause);
    }
  }
};
