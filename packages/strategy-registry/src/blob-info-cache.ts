import { randomBytes } from "node:crypto";
import { lstat, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readConfigFile } from "@skopush/config-files";

/** A compressed form of a layer: what a push of its diff_id sent once. */
export interface CompressedForm {
  readonly digest: string;
  readonly size: number;
}

interface CacheData {
  version: 1;
  /** diff_id → compressed forms, newest first, each with when it was last seen. */
  layers: Record<string, Array<CompressedForm & { at: number }>>;
  /** digest → `registry/repository` where it was pushed or found, newest first. */
  locations: Record<string, Array<{ at: number; where: string }>>;
}

/** The file name, versioned like skopeo's `blob-info-cache-v1.boltdb`. */
export const BLOB_INFO_CACHE_FILE = "blob-info-cache-v1.json";
const MAX_LAYERS = 4000;
const MAX_LOCATIONS = 8000;
const MAX_FORMS = 4;
const MAX_PLACES = 8;
const DIGEST = /^sha(256|512):[0-9a-f]+$/;
const FORM_KEY = /^(zstd:)?sha(256|512):[0-9a-f]+$/;

/**
 * The key of a layer's compressed forms in one codec: the diff_id for gzip (as every earlier version
 * wrote), `zstd:<diff_id>` for zstd, which earlier versions never look up, so they never take a zstd
 * blob for a gzip one.
 */
export const compressedFormKey = (diffId: string, codec: "gzip" | "zstd"): string => (codec === "gzip" ? diffId : `${codec}:${diffId}`);

const empty = (): CacheData => ({ version: 1, layers: {}, locations: {} });

// MAX_LAYERS and MAX_LOCATIONS entries fit in a few MiB; anything much larger is not ours.
const MAX_FILE_BYTES = 32 << 20;

/** Whether a file or directory is this user's alone: owned by it, writable by no group and no one else. */
const ownersAlone = (info: { readonly uid: number; readonly mode: number }): boolean =>
  (process.getuid === undefined || info.uid === process.getuid()) && (info.mode & 0o022) === 0;

/**
 * Whether `dir` may hold the cache: missing (it is created 0700), or a directory that is this user's alone.
 * A cache others can write would let them say which blob is our layer.
 */
const isOwnDirectory = async (dir: string): Promise<boolean> => {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : undefined));
  return info === null || (info !== undefined && info.isDirectory() && ownersAlone(info));
};

const readData = async (file: string): Promise<CacheData> => {
  try {
    // Only a regular file of this user's, written by this user alone (not a link, not another's).
    const info = await lstat(file);
    if (!info.isFile() || !ownersAlone(info)) return empty();
    const read = await readConfigFile(file, { maxBytes: MAX_FILE_BYTES });
    if (read.state !== "read") return empty();
    const parsed = JSON.parse(read.bytes.toString("utf8")) as Partial<CacheData>;
    if (parsed.version !== 1 || typeof parsed.layers !== "object" || typeof parsed.locations !== "object") return empty();
    return { version: 1, layers: parsed.layers ?? {}, locations: parsed.locations ?? {} };
  } catch {
    return empty();
  }
};

const newestFirst = <T extends { at: number }>(list: ReadonlyArray<T>, key: (item: T) => string, max: number): T[] => {
  const seen = new Map<string, T>();
  for (const item of [...list].sort((a, b) => b.at - a.at)) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()].slice(0, max);
};

const trim = <T extends { at: number }>(record: Record<string, T[]>, max: number): Record<string, T[]> =>
  Object.fromEntries(
    Object.entries(record)
      .sort(([, a], [, b]) => (b[0]?.at ?? 0) - (a[0]?.at ?? 0))
      .slice(0, max),
  );

/**
 * What earlier pushes learnt: which compressed digest a layer (by diff_id) was pushed as, and where.
 * It lets a re-push skip compressing a layer when the registry already holds its compressed form. Only
 * facts this strategy verified itself are recorded (it hashed both sides). A JSON file, written
 * atomically and merged with what other processes wrote meanwhile; an unreadable file is an empty cache,
 * and so is one that is not this user's alone: its word decides which blob is our layer.
 */
export class BlobInfoCache {
  private constructor(
    private readonly file: string | undefined,
    private data: CacheData,
    private dirty = false,
  ) {}

  /**
   * Loads the cache in `dir`; `false` gives a cache that remembers nothing beyond this process, and so does
   * a `dir` that is not this user's alone (its file is neither read nor written).
   */
  static async load(dir: string | false): Promise<BlobInfoCache> {
    if (dir === false || !(await isOwnDirectory(dir))) return new BlobInfoCache(undefined, empty());
    const file = join(dir, BLOB_INFO_CACHE_FILE);
    return new BlobInfoCache(file, await readData(file));
  }

  /** The compressed forms known for a {@link compressedFormKey}, newest first. */
  compressedForms(diffId: string): ReadonlyArray<CompressedForm> {
    return (this.data.layers[diffId] ?? []).map(({ digest, size }) => ({ digest, size }));
  }

  /** Repositories of `registry` where `digest` was seen, newest first. */
  repositoriesWith(digest: string, registry: string): ReadonlyArray<string> {
    const prefix = `${registry}/`;
    return (this.data.locations[digest] ?? []).flatMap(({ where }) => (where.startsWith(prefix) ? [where.slice(prefix.length)] : []));
  }

  /** Records that the layer of a {@link compressedFormKey} was pushed compressed as `digest`. */
  recordCompressed(diffId: string, form: CompressedForm, at: number = Date.now()): void {
    if (!FORM_KEY.test(diffId) || !DIGEST.test(form.digest)) return;
    this.data.layers[diffId] = newestFirst([{ ...form, at }, ...(this.data.layers[diffId] ?? [])], (f) => f.digest, MAX_FORMS);
    this.dirty = true;
  }

  /** Records that `registry/repository` holds `digest`. */
  recordLocation(digest: string, registry: string, repository: string, at: number = Date.now()): void {
    if (!DIGEST.test(digest)) return;
    this.data.locations[digest] = newestFirst([{ at, where: `${registry}/${repository}` }, ...(this.data.locations[digest] ?? [])], (l) => l.where, MAX_PLACES);
    this.dirty = true;
  }

  /** Writes what was recorded, merged with the file's current content. Failures are ignored: it is a cache. */
  async save(): Promise<void> {
    if (this.file === undefined || !this.dirty) return;
    const file = this.file;
    const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      const current = await readData(file);
      const merged: CacheData = { version: 1, layers: { ...current.layers }, locations: { ...current.locations } };
      for (const [key, forms] of Object.entries(this.data.layers)) merged.layers[key] = newestFirst([...forms, ...(current.layers[key] ?? [])], (f) => f.digest, MAX_FORMS);
      for (const [key, places] of Object.entries(this.data.locations)) merged.locations[key] = newestFirst([...places, ...(current.locations[key] ?? [])], (l) => l.where, MAX_PLACES);
      merged.layers = trim(merged.layers, MAX_LAYERS);
      merged.locations = trim(merged.locations, MAX_LOCATIONS);
      await mkdir(join(file, ".."), { recursive: true, mode: 0o700 });
      await writeFile(temp, JSON.stringify(merged), { mode: 0o600, flag: "wx" });
      await rename(temp, file);
      this.data = merged;
      this.dirty = false;
    } catch {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }
}
