import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** An upload session a push left open: where it is and how many bytes the registry had. */
export interface SavedUpload {
  /** The latest `Location` of the session, as the registry gave it. */
  readonly location: string;
  /** Bytes of the blob sent and acknowledged (the next chunk starts here). */
  readonly offset: number;
  /** When the session was opened (ms since the epoch). */
  readonly startedAt: number;
}

/** The directory under the cache directory that holds open sessions, one file each. */
export const UPLOAD_SESSIONS_DIR = "upload-sessions-v1";

/**
 * Whether a file or directory is this user's alone: owned by us, and neither group nor others may
 * read or write it (an upload `Location` lets whoever holds it write into our repository's session).
 */
const ownersAlone = (info: { readonly uid: number; readonly mode: number }): boolean =>
  (process.getuid === undefined || info.uid === process.getuid()) && (info.mode & 0o077) === 0;

/** A session file is a few hundred bytes; anything larger is not one (and is never read). */
const MAX_SESSION_FILE_BYTES = 64 * 1024;

/**
 * Whether the sweep may remove files under `dir`: the sessions directory itself (not a link to a
 * directory elsewhere, whose private files it would delete), this user's alone, in a cache directory
 * no one else can write (so no one can swap a link in for it).
 */
const isSweepable = async (cacheDir: string, dir: string): Promise<boolean> => {
  try {
    const [parent, info] = await Promise.all([stat(cacheDir), lstat(dir)]);
    const othersCannotWrite = (process.getuid === undefined || parent.uid === process.getuid()) && (parent.mode & 0o022) === 0;
    return parent.isDirectory() && othersCannotWrite && info.isDirectory() && ownersAlone(info);
  } catch {
    return false;
  }
};

const isSaved = (value: unknown): value is SavedUpload => {
  const v = value as Partial<SavedUpload> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.location === "string" &&
    Number.isSafeInteger(v.offset) &&
    (v.offset ?? -1) >= 0 &&
    Number.isSafeInteger(v.startedAt)
  );
};

/**
 * The upload sessions of large blobs that are still open, so a later attempt (a retry in the same push,
 * or a re-run after a kill or a lost network) continues them instead of sending the blob again. One JSON
 * file per session (0600) in an owner-only directory (0700) under the cache directory; a file or
 * directory anyone else could have written is never believed. Entries older than `maxAgeMs` are
 * dropped unread, and the registry's answer about a session always wins over what is saved here.
 */
export class UploadJournal {
  private readonly memory = new Map<string, SavedUpload>();

  /** `dir` is the cache directory (`false`: sessions are remembered by this process only). */
  constructor(
    private readonly dir: string | false,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key of one blob's session: the registry, the repository and what identifies the blob's bytes. */
  static keyOf(registry: string, repository: string, blob: string): string {
    return createHash("sha256").update(`${registry}\n${repository}\n${blob}`).digest("hex");
  }

  private get sessionsDir(): string | undefined {
    return this.dir === false ? undefined : join(this.dir, UPLOAD_SESSIONS_DIR);
  }

  private fileOf(key: string): string | undefined {
    const dir = this.sessionsDir;
    return dir === undefined ? undefined : join(dir, `${key}.json`);
  }

  private fresh(saved: SavedUpload): boolean {
    const age = this.now() - saved.startedAt;
    return age >= 0 && age < this.maxAgeMs;
  }

  /** The saved session of `key`, when there is a fresh one this user alone could have written. */
  async get(key: string): Promise<SavedUpload | undefined> {
    const remembered = this.memory.get(key);
    if (remembered !== undefined) return this.fresh(remembered) ? remembered : (await this.drop(key), undefined);
    const file = this.fileOf(key);
    const dir = this.sessionsDir;
    if (file === undefined || dir === undefined) return undefined;
    try {
      const [dirInfo, info] = await Promise.all([lstat(dir), lstat(file)]);
      if (!dirInfo.isDirectory() || !ownersAlone(dirInfo) || !info.isFile() || !ownersAlone(info) || info.size > MAX_SESSION_FILE_BYTES) return undefined;
      const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
      if (!isSaved(parsed) || !this.fresh(parsed)) {
        await this.drop(key);
        return undefined;
      }
      return parsed;
    } catch {
      return undefined;
    }
  }

  /** Remembers the session of `key` (in memory, and on disk when there is a cache directory). Best effort. */
  async put(key: string, saved: SavedUpload): Promise<void> {
    this.memory.set(key, saved);
    const file = this.fileOf(key);
    const dir = this.sessionsDir;
    if (file === undefined || dir === undefined) return;
    const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const info = await lstat(dir);
      if (!info.isDirectory() || !ownersAlone(info)) return;
      await writeFile(temp, JSON.stringify(saved), { mode: 0o600, flag: "wx" });
      await rename(temp, file);
    } catch {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }

  /** Forgets the session of `key`. */
  async drop(key: string): Promise<void> {
    this.memory.delete(key);
    const file = this.fileOf(key);
    if (file !== undefined) await rm(file, { force: true }).catch(() => undefined);
  }

  /**
   * Removes expired, unreadable and oversized entries of the directory (run once per push; best effort).
   * Nothing is removed unless the directory is the journal's own (see {@link isSweepable}).
   */
  async sweep(): Promise<void> {
    const dir = this.sessionsDir;
    if (this.dir === false || dir === undefined || !(await isSweepable(this.dir, dir))) return;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const file = join(dir, name);
      try {
        const info = await lstat(file);
        if (!info.isFile() || !ownersAlone(info)) continue;
        if (info.size > MAX_SESSION_FILE_BYTES) {
          await rm(file, { force: true });
          continue;
        }
        const stale = name.endsWith(".tmp") ? this.now() - info.mtimeMs > this.maxAgeMs : !this.fresh(JSON.parse(await readFile(file, "utf8")) as SavedUpload);
        if (stale) await rm(file, { force: true });
      } catch {
        await rm(file, { force: true }).catch(() => undefined);
      }
    }
  }
}
