import { constants, existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, open, readdir, readlink, rm, rmdir, stat, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ownedPrefix, reapDeadTempDirectoriesOnce } from "@skopush/archive";
import { EnvironmentFault } from "@skopush/core";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type { Workspace } from "./skopeo-host.js";

/** Options of {@link makeLocalWorkspace}. */
export interface LocalWorkspaceOptions {
  /** The strategy the workspace serves, for errors. */
  readonly strategy: string;
  /** The directory the workspace is created in; it must exist. */
  readonly parent: string;
  /** Start of the workspace's name; this process's owner tag and six random characters follow. @default "skopush-" */
  readonly prefix?: string | undefined;
  /** Maps the host path to the path skopeo sees (a container mount). @default the identity */
  readonly skopeoPathOf?: ((hostPath: string) => string) | undefined;
}

/** The subdirectory of a workspace that skopeo gets as `TMPDIR`, so its temp files die with the workspace. */
export const WORKSPACE_TMP = "tmp";

const codeOf = (cause: unknown): unknown => (cause as { code?: unknown } | null)?.code;

// On Linux, /proc/self/fd/<n> of an open directory resolves to that directory wherever it has been moved,
// which gives Node (that has no openat) paths that never walk through a name someone else could swap.
const PINNED_ROOT = "/proc/self/fd";
const canPin = process.platform === "linux" && existsSync(PINNED_ROOT);

const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Flags that create a new file in a workspace: never an existing file, never through a link. */
export const CREATE_NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Flags that read a file a push wrote into its workspace, never through a link. */
export const READ_OWN_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The caller's user id, or undefined where there are no POSIX owners. */
const callerUid = (): number | undefined => process.getuid?.();

interface Identity {
  readonly dev: number;
  readonly ino: number;
}

const sameInode = (a: Identity, b: Identity): boolean => a.dev === b.dev && a.ino === b.ino;

/**
 * Creates a private directory (mode 0700, random name) under `parent`, with a `tmp/` inside for skopeo's
 * temp files, and removes it with everything in it when the scope closes, however the push ended. Its
 * name carries this process's owner tag (`<prefix><boot>-<ns>-<pid>-<start>-XXXXXX`): the first workspace
 * a process makes in `parent` removes those whose owner is gone (a push killed by SIGKILL runs no
 * finalizer).
 *
 * The directory is opened (no link followed) right after `mkdtemp` creates it, and everything skopush
 * writes into it goes through {@link Workspace.pinnedPath}, that open directory: a workspace renamed and
 * replaced by another directory or a link is never written into. Removal empties the opened directory
 * wherever it is now and removes it only where it still is that directory.
 */
export const makeLocalWorkspace = (options: LocalWorkspaceOptions): Effect.Effect<Workspace, EnvironmentFault, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const prefix = options.prefix ?? "skopush-";
      const hostPath = yield* Effect.tryPromise({
        try: async () => {
          await reapDeadTempDirectoriesOnce(options.parent, prefix);
          return await mkdtemp(join(options.parent, ownedPrefix(prefix)));
        },
        catch: (cause) =>
          new EnvironmentFault({
            strategy: options.strategy,
            reason: `cannot create a private working directory in ${options.parent} (${codeOf(cause) ?? String(cause)})`,
            fix: codeOf(cause) === "ENOENT"
              ? `create ${options.parent}, or configure another temp directory`
              : `make ${options.parent} writable with free space, or configure another temp directory`,
            cause,
          }),
      });
      return yield* Effect.tryPromise({ try: () => pinNewDirectory(hostPath), catch: (cause) => cause }).pipe(
        Effect.mapError((cause) =>
          cause instanceof EnvironmentFault
            ? cause
            : new EnvironmentFault({
                strategy: options.strategy,
                reason: `cannot prepare the private working directory ${hostPath} (${codeOf(cause) ?? String(cause)})`,
                fix: `make ${options.parent} writable with free space, or configure another temp directory`,
                cause,
              }),
        ),
        Effect.flatMap((pinned) =>
          typeof pinned === "string"
            ? Effect.fail(
                new EnvironmentFault({
                  strategy: options.strategy,
                  reason: `the push's working directory ${hostPath} was swapped while it was being created: ${pinned}; not using it`,
                  fix: `make sure no other user or process can write to ${options.parent} (it must be yours alone, mode 0700)`,
                }),
              )
            : Effect.succeed({
                workspace: { hostPath, skopeoPath: options.skopeoPathOf?.(hostPath) ?? hostPath, pinnedPath: pinned.pinnedPath },
                handle: pinned.handle,
                identity: pinned.identity,
              }),
        ),
      );
    }),
    ({ workspace, handle, identity }) => Effect.promise(() => removePinned(workspace, handle, identity)),
  ).pipe(Effect.map(({ workspace }) => workspace));

interface PinnedDirectory {
  readonly handle: FileHandle;
  readonly identity: Identity;
  readonly pinnedPath: string;
}

// Opening the name mkdtemp returned races whoever else can write the parent (root, or the caller's other
// processes): the name can be gone (ENOENT), a link (ELOOP) or a file (ENOTDIR) by then, or another
// directory. What is opened is used only if it is what mkdtemp makes: an empty directory of ours, mode 0700
// (a swap into such a directory is harmless: skopush fills it and skopeo reads exactly that). Otherwise
// the answer is why not, and nothing at the name is removed: it is not ours.
const SWAPPED_CODES: Readonly<Record<string, string>> = {
  ENOENT: "the name no longer exists",
  ELOOP: "a symbolic link was put in its place",
  ENOTDIR: "a symbolic link or a file was put in its place",
};

/** Opens the directory mkdtemp just created and adds skopeo's `tmp/`; a string says how the name was swapped. */
const pinNewDirectory = async (hostPath: string): Promise<PinnedDirectory | string> => {
  let handle: FileHandle;
  try {
    handle = await open(hostPath, DIRECTORY_FLAGS);
  } catch (error) {
    const swapped = SWAPPED_CODES[String(codeOf(error))];
    if (swapped !== undefined) return swapped;
    await rmdir(hostPath).catch(() => undefined); // still the empty directory mkdtemp made, or not removed
    throw error;
  }
  let identity: Identity | undefined;
  try {
    const opened = await handle.stat();
    const pinnedPath = canPin ? join(PINNED_ROOT, String(handle.fd)) : hostPath;
    const uid = callerUid();
    const problem =
      uid !== undefined && opened.uid !== uid
        ? `a directory owned by uid ${opened.uid} was put in its place`
        : process.platform !== "win32" && (opened.mode & 0o777) !== 0o700
          ? `a directory of mode ${(opened.mode & 0o777).toString(8)} was put in its place`
          : (await readdir(pinnedPath)).length > 0
            ? "a directory that is not empty was put in its place"
            : undefined;
    if (problem !== undefined) {
      await handle.close().catch(() => undefined);
      return problem;
    }
    identity = opened;
    await mkdir(join(pinnedPath, WORKSPACE_TMP), { mode: 0o700 });
    return { handle, identity, pinnedPath };
  } catch (error) {
    if (identity === undefined) await handle.close().catch(() => undefined);
    else await removePinned({ hostPath, skopeoPath: hostPath, pinnedPath: canPin ? join(PINNED_ROOT, String(handle.fd)) : hostPath }, handle, identity);
    throw error;
  }
};

/** Empties the opened directory through its pinned path, then removes it where it now is, if it is still it. */
const removePinned = async (workspace: Workspace, handle: FileHandle, identity: Identity): Promise<void> => {
  try {
    const names = await readdir(workspace.pinnedPath).catch(() => [] as string[]);
    await Promise.all(names.map((name) => rm(join(workspace.pinnedPath, name), { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)));
    const where = canPin ? await readlink(workspace.pinnedPath).catch(() => workspace.hostPath) : workspace.hostPath;
    const now = await lstat(where).catch(() => undefined);
    if (now?.isDirectory() && sameInode(now, identity)) await rmdir(where).catch(() => undefined);
  } finally {
    await handle.close().catch(() => undefined);
  }
};

/**
 * Checks, right before skopeo runs, that the workspace's path still names the directory skopush created
 * and filled (same device and inode, a directory owned by this user with mode 0700, not a link): skopeo
 * reads the workspace by its path, so a directory swapped in since would hand skopeo someone else's files.
 */
export const verifyWorkspace = (strategy: string, workspace: Workspace): Effect.Effect<void, EnvironmentFault> =>
  Effect.tryPromise({
    try: async () => {
      const [pinned, current] = await Promise.all([stat(workspace.pinnedPath), lstat(workspace.hostPath)]);
      const uid = callerUid();
      if (current.isSymbolicLink()) return "a symbolic link was put in its place";
      if (!current.isDirectory()) return "something that is not a directory was put in its place";
      if (!sameInode(current, pinned)) return "another directory was put in its place";
      if (uid !== undefined && current.uid !== uid) return `it is now owned by uid ${current.uid}`;
      if (process.platform !== "win32" && (current.mode & 0o777) !== 0o700) return `its mode is now ${(current.mode & 0o777).toString(8)}, not 700`;
      return undefined;
    },
    catch: (cause) => String(codeOf(cause) ?? cause),
  }).pipe(
    Effect.catch((detail) => Effect.succeed(`it cannot be checked (${detail})`)),
    Effect.flatMap((problem) =>
      problem === undefined
        ? Effect.void
        : Effect.fail(
            new EnvironmentFault({
              strategy,
              reason: `the push's working directory ${workspace.hostPath} is not the one skopush created and filled: ${problem}; not running skopeo on it`,
              fix: `make sure no other user or process can write to ${dirname(workspace.hostPath)} (it must be yours alone, mode 0700)`,
            }),
          ),
    ),
  );

/** Removes a directory tree, never failing: a finalizer must not turn a push's outcome into a defect. */
export const removeDirectory = (path: string): Effect.Effect<void> =>
  Effect.promise(() => rm(path, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined));
