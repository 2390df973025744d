import { createReadStream, createWriteStream } from "node:fs";
import { link, stat } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Effect } from "effect";
import { ArchiveInvalid, type EnvironmentFault } from "@skopush/core";

/** How the archive reached the shared directory. */
export type StagedBy = "hard-link" | "copy";

/** Bytes copied so far of a staging copy. */
export interface CopyProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

// A hard link is impossible across file systems (EXDEV), on file systems without links, for files the
// user does not own when fs.protected_hardlinks is set (EPERM), and past the link limit (EMLINK).
const LINK_IMPOSSIBLE = new Set(["EXDEV", "EPERM", "EACCES", "EMLINK", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

const codeOf = (cause: unknown): string | undefined => (cause as NodeJS.ErrnoException | undefined)?.code;

/** Reports at most once per percent, so a multi-gigabyte copy does not flood the sink. */
const counting = (total: number, onProgress: (progress: CopyProgress) => void): Transform => {
  let done = 0;
  let reported = -1;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (percent !== reported) {
        reported = percent;
        onProgress({ bytesDone: done, bytesTotal: total });
      }
      callback(null, chunk);
    },
  });
};

/**
 * Puts the archive at `target` (inside a push's workspace in the shared directory): a hard link when
 * both are on one file system (instant, no extra space), otherwise a copy whose progress is reported.
 * Interrupting the copy stops it; the workspace's release removes the partial file.
 */
export const stageArchiveFile = (
  source: string,
  target: string,
  onCopyProgress: (progress: CopyProgress) => void,
  fault: (action: string, cause: unknown) => EnvironmentFault,
): Effect.Effect<StagedBy, ArchiveInvalid | EnvironmentFault> =>
  Effect.gen(function* () {
    const info = yield* Effect.tryPromise({
      try: () => stat(source),
      catch: (cause) =>
        new ArchiveInvalid({
          path: source,
          reason: codeOf(cause) === "ENOENT" ? "the file does not exist" : `cannot read it: ${(cause as Error).message}`,
          cause,
        }),
    });
    if (!info.isFile()) return yield* Effect.fail(new ArchiveInvalid({ path: source, reason: "it is not a regular file" }));
    const linked = yield* Effect.tryPromise({
      try: () => link(source, target).then(() => true),
      catch: (cause) => cause,
    }).pipe(
      Effect.catch((cause) =>
        LINK_IMPOSSIBLE.has(codeOf(cause) ?? "") ? Effect.succeed(false) : Effect.fail(fault("link the archive", cause)),
      ),
    );
    if (linked) return "hard-link" as const;
    yield* Effect.tryPromise({
      try: (signal) =>
        pipeline(
          createReadStream(source),
          counting(info.size, onCopyProgress),
          createWriteStream(target, { flags: "wx", mode: 0o644 }),
          { signal },
        ),
      catch: (cause) => fault("copy the archive", cause),
    });
    return "copy" as const;
  });
