import { ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";

/** What to do about an archive that is not a readable image, when nothing more specific applies. */
export const REWRITE_FIX = "write the archive again (docker save -o image.tar <image>, or skopeo copy … oci-archive:image.tar) and check the copy is complete";

/** What to do when the archive holds several images and the one asked for is not among them. */
export const SELECT_FIX = "name one of the images the archive holds";

/** What to do when the archive changed while skopush read it. */
export const UNCHANGED_FIX = "do not write to the archive while it is pushed; push a finished copy";

/** An `ArchiveInvalid` for the archive at `path`; every one says what to do ({@link REWRITE_FIX} unless told). */
export const invalid = (path: string, reason: string, fix: string = REWRITE_FIX, cause?: unknown): ArchiveInvalid =>
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
      return invalid(path, `is a directory where a file was expected while ${action}`, "pass the image archive's file, or an OCI layout directory", cause);
    default: {
      const message = cause instanceof Error ? cause.message : String(cause);
      return invalid(path, `could not be read while ${action}: ${message}`, undefined, cause);
    }
  }
};
