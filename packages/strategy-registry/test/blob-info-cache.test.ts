import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLOB_INFO_CACHE_FILE, BlobInfoCache } from "../src/blob-info-cache.js";

const D = (c: string) => `sha256:${c.repeat(64)}`;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "skopush-registry-cache-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("BlobInfoCache", () => {
  it("remembers compressed forms and locations across loads, merging what another process wrote", async () => {
    const cacheDir = join(dir, "a");
    const first = await BlobInfoCache.load(cacheDir);
    first.recordCompressed(D("1"), { digest: D("a"), size: 10 });
    first.recordLocation(D("a"), "r:5000", "p/app");
    const second = await BlobInfoCache.load(cacheDir);
    second.recordCompressed(D("2"), { digest: D("b"), size: 20 });
    await first.save();
    await second.save();
    const reread = await BlobInfoCache.load(cacheDir);
    expect(reread.compressedForms(D("1"))).toEqual([{ digest: D("a"), size: 10 }]);
    expect(reread.compressedForms(D("2"))).toEqual([{ digest: D("b"), size: 20 }]);
    expect(reread.repositoriesWith(D("a"), "r:5000")).toEqual(["p/app"]);
    expect(reread.repositoriesWith(D("a"), "other:5000")).toEqual([]);
    expect((await stat(join(cacheDir, BLOB_INFO_CACHE_FILE))).mode & 0o777).toBe(0o600);
    expect(await readdir(cacheDir)).toEqual([BLOB_INFO_CACHE_FILE]);
  });

  it("treats an unreadable file as empty, ignores non-digests, and keeps nothing with false", async () => {
    const cacheDir = join(dir, "b");
    const cache = await BlobInfoCache.load(cacheDir);
    cache.recordCompressed("not-a-digest", { digest: D("c"), size: 1 });
    cache.recordCompressed(D("3"), { digest: D("c"), size: 1 });
    await cache.save();
    expect((await BlobInfoCache.load(cacheDir)).compressedForms("not-a-digest")).toEqual([]);
    await writeFile(join(cacheDir, BLOB_INFO_CACHE_FILE), "{broken");
    const broken = await BlobInfoCache.load(cacheDir);
    expect(broken.compressedForms(D("3"))).toEqual([]);
    broken.recordCompressed(D("5"), { digest: D("e"), size: 2 });
    await broken.save();
    expect(JSON.parse(await readFile(join(cacheDir, BLOB_INFO_CACHE_FILE), "utf8")).layers[D("5")]).toHaveLength(1);
    const none = await BlobInfoCache.load(false);
    none.recordCompressed(D("4"), { digest: D("d"), size: 1 });
    await none.save();
    expect(none.compressedForms(D("4"))).toEqual([{ digest: D("d"), size: 1 }]);
  });

  // Its word decides which blob is our layer: a cache anyone else could have written is not believed.
  it("ignores a cache file writable by others, or another user's, and never writes into a directory that is not the user's alone", async () => {
    const planted = JSON.stringify({ version: 1, layers: { [D("6")]: [{ digest: D("f"), size: 3, at: Date.now() }] }, locations: {} });
    const openFile = join(dir, "c");
    await mkdir(openFile, { mode: 0o700 });
    await writeFile(join(openFile, BLOB_INFO_CACHE_FILE), planted);
    await chmod(join(openFile, BLOB_INFO_CACHE_FILE), 0o666);
    expect((await BlobInfoCache.load(openFile)).compressedForms(D("6"))).toEqual([]);

    const openDir = join(dir, "d");
    await mkdir(openDir);
    await chmod(openDir, 0o777);
    await writeFile(join(openDir, BLOB_INFO_CACHE_FILE), planted, { mode: 0o600 });
    const fromOpenDir = await BlobInfoCache.load(openDir);
    expect(fromOpenDir.compressedForms(D("6"))).toEqual([]);
    fromOpenDir.recordCompressed(D("7"), { digest: D("a"), size: 1 });
    await fromOpenDir.save();
    expect(await readFile(join(openDir, BLOB_INFO_CACHE_FILE), "utf8")).toBe(planted);

    // Another user's file (only root can make one here; CI runs as root).
    if (process.getuid?.() === 0) {
      const theirs = join(dir, "e");
      await mkdir(theirs, { mode: 0o700 });
      await writeFile(join(theirs, BLOB_INFO_CACHE_FILE), planted, { mode: 0o600 });
      await chown(join(theirs, BLOB_INFO_CACHE_FILE), 4242, 4242);
      expect((await BlobInfoCache.load(theirs)).compressedForms(D("6"))).toEqual([]);
    }
  });
});
