import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
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
});
