import { readFileSync } from "node:fs";
import { lstat, mkdir, readlink, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import * as Effect from "effect/Effect";
import type { SharedDirectory } from "./shared-directory.js";

/** Why skopush will not use a shared directory, and what to do about it. */
export interface SharedDirectoryRefusal {
  readonly reason: string;
  readonly fix: string;
}

/** What {@link checkSharedDirectory} found. */
export type SharedDirectoryVerdict =
  | { readonly state: "trusted"; readonly dev: number; readonly ino: number; readonly created: boolean }
  | { readonly state: "missing" }
  | ({ readonly state: "refused" } & SharedDirectoryRefusal);

/** Options of {@link checkSharedDirectory}. */
export interface SharedDirectoryCheckOptions {
  /** Create the directory (mode 0700, owned by the caller) when it does not exist. @default true */
  readonly create?: boolean | undefined;
  /** The caller's user id. @default process.getuid() */
  readonly uid?: number | undefined;
}

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

const codeOf = (cause: unknown): string | undefined => (cause as NodeJS.ErrnoException | undefined)?.code;

/** `user name (uid N)` from /etc/passwd, else `uid N`. */
const describeUser = (uid: number): string => {
  try {
    const line = readFileSync("/etc/passwd", "utf8").split("\n").find((entry) => entry.split(":")[2] === String(uid));
    const name = line?.split(":")[0];
    return name ? `user ${name} (uid ${uid})` : `uid ${uid}`;
  } catch {
    return `uid ${uid}`;
  }
};

const mode = (value: number): string => (value & 0o7777).toString(8).padStart(4, "0");

/**
 * The first directory above `path` (from `/` down) that someone other than the caller or root could use
 * to replace what lies below it: one owned by another user, or writable by group or others without the
 * sticky bit (`/tmp`, mode 1777, is fine: there only an entry's owner may rename or remove it).
 */
const unsafeAncestor = async (path: string, uid: number): Promise<string | undefined> => {
  let dir = await realpath(path);
  for (;;) {
    const info = await lstat(dir);
    if (info.uid !== uid && info.uid !== 0) return `the directory above it, ${dir}, is owned by ${describeUser(info.uid)}`;
    if ((info.mode & GROUP_OR_OTHER_WRITE) !== 0 && (info.mode & STICKY) === 0) {
      return `the directory above it, ${dir}, is writable by ${info.mode & 0o002 ? "others" : "its group"} (mode ${mode(info.mode)}) without the sticky bit`;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
};

const MAX_LINKS = 40;

/**
 * The first symbolic link on the way to `path` (resolved one component at a time, links within links
 * too) owned by someone other than the caller or root: its owner may re-point it at any moment, so what
 * the path names is theirs to choose, whatever the directories it names today are.
 */
const foreignLink = async (path: string, uid: number): Promise<string | undefined> => {
  const pending = resolve(path).split(sep).filter(Boolean);
  let dir = "/";
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    const next = join(dir, name);
    const info = await lstat(next).catch((cause: unknown) => (codeOf(cause) === "ENOENT" ? undefined : Promise.reject(cause)));
    if (info === undefined) return undefined; // what does not exist yet is made by the caller, below checked parents
    if (!info.isSymbolicLink()) {
      dir = next;
      continue;
    }
    if (info.uid !== uid && info.uid !== 0) return `the path goes through the symbolic link ${next}, owned by ${describeUser(info.uid)}, who can re-point it`;
    if (++links > MAX_LINKS) return `the path goes through more than ${MAX_LINKS} symbolic links`;
    const target = await readlink(next);
    pending.unshift(...target.split(sep).filter(Boolean));
    if (isAbsolute(target)) dir = "/";
  }
  return undefined;
};

const refused = (shared: SharedDirectory, problem: string, fix: string): SharedDirectoryVerdict => ({
  state: "refused",
  reason: `the shared directory ${shared.hostPath} ${problem}: another user could swap the files of a push there (its image, or where its archive and credentials go)`,
  fix,
});

/**
 * Decides whether the host side of the shared directory may hold pushes' workspaces: it must be a real
 * directory (not a link, not a file), owned by the caller or root, writable by nobody else (mode 0700 when
 * skopush creates it), under directories only the caller or root can rearrange. A missing directory is
 * created with mode 0700 (the container's root needs nothing more) unless `create` is false.
 */
export const checkSharedDirectory = async (shared: SharedDirectory, options: SharedDirectoryCheckOptions = {}): Promise<SharedDirectoryVerdict> => {
  const uid = options.uid ?? process.getuid?.();
  const path = shared.hostPath;
  const elsewhere = `set SKOPEO_SHARED_DIR (or --shared-dir) to a directory you own with mode 0700, or to a path that does not exist yet (skopush creates it), and recreate the container with it mounted at ${shared.containerPath}`;
  let created = false;
  if (uid !== undefined) {
    const link = await foreignLink(dirname(path), uid);
    if (link !== undefined) return refused(shared, `cannot be trusted: ${link}`, elsewhere);
  }
  let info = await lstat(path).catch((cause: unknown) => (codeOf(cause) === "ENOENT" ? undefined : Promise.reject(cause)));
  if (info === undefined) {
    if (options.create === false) return { state: "missing" };
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    created = await mkdir(path, { mode: 0o700 }).then(
      () => true,
      (cause: unknown) => (codeOf(cause) === "EEXIST" ? false : Promise.reject(cause)),
    );
    info = await lstat(path);
  }
  if (uid === undefined) return { state: "trusted", dev: info.dev, ino: info.ino, created }; // no POSIX owners (Windows)
  const remove = `remove it (rm ${info.isDirectory() ? "-r " : ""}${path}, as its owner or root) so skopush creates the directory itself, or ${elsewhere}`;
  if (info.isSymbolicLink()) return refused(shared, "is a symbolic link", remove);
  if (!info.isDirectory()) return refused(shared, `is not a directory (${info.isFile() ? "a regular file" : "a special file"})`, remove);
  if (info.uid !== uid && info.uid !== 0) {
    return refused(shared, `is owned by ${describeUser(info.uid)}, not by you (uid ${uid}) or root`, remove);
  }
  if ((info.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    return refused(shared, `is writable by ${info.mode & 0o002 ? "others" : "its group"} (mode ${mode(info.mode)})`, `chmod 700 ${path} (as its owner), or ${elsewhere}`);
  }
  const ancestor = await unsafeAncestor(dirname(path), uid);
  if (ancestor !== undefined) return refused(shared, `cannot be trusted: ${ancestor}`, elsewhere);
  return { state: "trusted", dev: info.dev, ino: info.ino, created };
};

/**
 * {@link checkSharedDirectory} as an Effect that fails with the refusal (a missing directory, when not
 * created, and a file-system error are refusals too, with their reason).
 */
export const trustedSharedDirectory = (
  shared: SharedDirectory,
  options: SharedDirectoryCheckOptions = {},
): Effect.Effect<Extract<SharedDirectoryVerdict, { state: "trusted" }>, SharedDirectoryRefusal> =>
  Effect.tryPromise({
    try: () => checkSharedDirectory(shared, options),
    catch: (cause): SharedDirectoryRefusal => ({
      reason: `cannot check or create the shared directory ${shared.hostPath}: ${cause instanceof Error ? cause.message : String(cause)}`,
      fix: `make its parent directory writable for this user, or set SKOPEO_SHARED_DIR to a directory you own with mode 0700`,
    }),
  }).pipe(
    Effect.flatMap((verdict) =>
      verdict.state === "trusted"
        ? Effect.succeed(verdict)
        : Effect.fail(
            verdict.state === "missing"
              ? { reason: `the shared directory ${shared.hostPath} does not exist`, fix: "skopush creates it (mode 0700) at the first push through a container strategy" }
              : { reason: verdict.reason, fix: verdict.fix },
          ),
    ),
  );
