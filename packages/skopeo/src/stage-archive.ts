import { createReadStream } from "node:fs";
import { cp, link, open, stat, symlink } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { ArchiveInvalid, EnvironmentFault } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { StageProgress, Workspace } from "./skopeo-host.js";
import { CREATE_NEW_FILE } from "./workspace.js";

/** The name a staged archive gets inside the workspace. */
export const STAGED_ARCHIVE_NAME = "archive";

const codeOf = (cause: unknown): string => String((cause as { code?: unknown } | null)?.code ?? cause);

/** The path skopeo sees for `hostPath` when it lies inside the workspace; `undefined` otherwise. */
export const workspacePathOf = (workspace: Workspace, hostPath: string): string | undefined => {
  const inside = relative(workspace.hostPath, resolve(hostPath));
  if (inside.startsWith("..") || isAbsolute(inside)) return undefined;
  return inside === "" ? workspace.skopeoPath : join(workspace.skopeoPath, ...inside.split(sep));
};

/** True when skopeo can take `path` as is: absolute, without the `:` its transports end the path at. */
export const isSafeSourcePath = (path: string): boolean => isAbsolute(path) && !path.includes(":");

/**
 * Staging for a skopeo on this host: the archive stays where it is. A path skopeo would misread (one
 * containing `:`) gets a symlink with a safe name in the workspace instead; files already in the
 * workspace are used directly.
 */
export const stageBySymlink = (strategy: string, workspace: Workspace, archivePath: string): Effect.Effect<string, EnvironmentFault> => {
  const absolute = resolve(archivePath);
  const inWorkspace = workspacePathOf(workspace, absolute);
  if (inWorkspace !== undefined) return Effect.succeed(inWorkspace);
  if (isSafeSourcePath(absolute)) return Effect.succeed(absolute);
  const linkPath = join(workspace.pinnedPath, STAGED_ARCHIVE_NAME);
  return Effect.tryPromise({
    try: () => symlink(absolute, linkPath),
    catch: (cause) =>
      new EnvironmentFault({ strategy, reason: `cannot link the archive into the working directory (${codeOf(cause)})`, cause }),
  }).pipe(Effect.as(join(workspace.skopeoPath, STAGED_ARCHIVE_NAME)));
};

/**
 * Staging for a skopeo that sees only the workspace (a container with the workspace mounted): a hard
 * link when the workspace is on the archive's file system (instant, no space), else a copy, reporting
 * progress. A directory (an OCI layout) is copied recursively.
 */
export const stageByCopy = (
  strategy: string,
  workspace: Workspace,
  archivePath: string,
  progress?: StageProgress,
): Effect.Effect<string, ArchiveInvalid | EnvironmentFault> => {
  const absolute = resolve(archivePath);
  const inWorkspace = workspacePathOf(workspace, absolute);
  if (inWorkspace !== undefined) return Effect.succeed(inWorkspace);
  const target = join(workspace.pinnedPath, STAGED_ARCHIVE_NAME);
  const staged = join(workspace.skopeoPath, STAGED_ARCHIVE_NAME);
  return Effect.gen(function* () {
    const stats = yield* Effect.tryPromise({
      try: () => stat(absolute),
      catch: (cause) => new ArchiveInvalid({ path: archivePath, reason: `cannot be read (${codeOf(cause)})`, cause }),
    });
    if (stats.isDirectory()) {
      yield* Effect.tryPromise({
        try: () => cp(absolute, target, { recursive: true, errorOnExist: true, force: false }),
        catch: (cause) => copyFault(strategy, archivePath, cause),
      });
      return staged;
    }
    const linked = yield* Effect.tryPromise({ try: () => link(absolute, target), catch: (cause) => cause }).pipe(
      Effect.as(true),
      Effect.catch(() => Effect.succeed(false)),
    );
    if (!linked) {
      yield* Effect.tryPromise({
        try: (signal) => copyInto(target, signal, createReadStream(absolute), counting(stats.size, progress)),
        catch: (cause) => copyFault(strategy, archivePath, cause),
      });
    }
    progress?.(stats.size, stats.size);
    return staged;
  });
};

/**
 * Decompresses a gzip archive into the workspace and returns its path on this host. skopeo 1.9.3 cannot
 * read a gzip-compressed docker-archive ("loading tar component manifest.json: unexpected EOF"), so
 * skopush hands it the tar.
 */
export const gunzipIntoWorkspace = (
  strategy: string,
  workspace: Workspace,
  archivePath: string,
  progress?: StageProgress,
): Effect.Effect<string, ArchiveInvalid | EnvironmentFault> => {
  const name = `${STAGED_ARCHIVE_NAME}.tar`;
  const target = join(workspace.hostPath, name);
  return Effect.tryPromise({
    try: async (signal) => {
      const { size } = await stat(archivePath);
      await copyInto(join(workspace.pinnedPath, name), signal, createReadStream(archivePath), counting(size, progress), createGunzip());
    },
    catch: (cause) =>
      codeOf(cause).startsWith("Z_")
        ? new ArchiveInvalid({ path: archivePath, reason: "is a corrupt or truncated gzip stream", fix: "copy or save the archive again", cause })
        : copyFault(strategy, archivePath, cause),
  }).pipe(Effect.as(target));
};

/** Streams `source` through `transforms` into a new file (mode 0600) at `target`, created without following a link. */
const copyInto = async (target: string, signal: AbortSignal, source: NodeJS.ReadableStream, ...transforms: NodeJS.ReadWriteStream[]): Promise<void> => {
  const handle = await open(target, CREATE_NEW_FILE, 0o600);
  await pipeline([source, ...transforms, handle.createWriteStream()], { signal });
};

const copyFault = (strategy: string, archivePath: string, cause: unknown) =>
  codeOf(cause) === "ENOENT" || codeOf(cause) === "EACCES"
    ? new ArchiveInvalid({ path: archivePath, reason: `cannot be read (${codeOf(cause)})`, cause })
    : new EnvironmentFault({
        strategy,
        reason: `cannot copy the archive into the working directory (${codeOf(cause)})`,
        fix: codeOf(cause) === "ENOSPC" ? "free space in the temp directory, or configure a larger one" : undefined,
        cause,
      });

/** A pass-through stream that reports the bytes gone through, once per whole percent of `total`. */
const counting = (total: number, progress: StageProgress | undefined): Transform => {
  let done = 0;
  let reported = -1;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      const percent = Math.floor((100 * done) / Math.max(1, total));
      if (percent !== reported) {
        reported = percent;
        progress?.(done, total);
      }
      callback(null, chunk);
    },
  });
};
