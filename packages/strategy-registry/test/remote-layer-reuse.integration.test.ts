import { createHash, randomBytes } from "node:crypto";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectArchive } from "@skopush/archive";
import { loadTestEnvironment, readManifest, registryRequest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { BLOB_INFO_CACHE_FILE } from "@skopush/strategy-registry";
import { pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";
import { startRegistryProxy } from "./support/registry-proxy.js";

// Another pusher to the same repository plants, under the tag you are about to push, an image whose
// config claims your layers' diff_ids while its layers are theirs. Trusting that config, the strategy
// skipped both layers ("already exists") and the tag ended up with your config and their layers. Now a
// claimed layer is reused only once downloaded and found to decompress to ours; the registry is read
// back to prove every layer of the tag is ours.

let env: TestEnvironment;
let registry: TestRegistry;
let work: Awaited<ReturnType<typeof scratch>>;
let victim: ImageArchiveMetadata;
let diffIds: ReadonlyArray<string>;

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

beforeAll(async () => {
  env = await loadTestEnvironment();
  registry = env.registry("plain");
  work = await scratch("remote-reuse");
  victim = await writeImageArchive(join(work.dir, "victim.tar"), { format: "docker-legacy", layers: 2, layerSize: 256 << 10, compressibility: 0.5, seed: `victim-${randomBytes(4).toString("hex")}` });
  diffIds = (await Effect.runPromise(inspectArchive(victim.path))).layers.map((layer) => layer.diffId);
});

afterAll(async () => {
  await work?.cleanup();
});

/** Uploads a blob to the plain registry as any pusher can (POST, then PUT with its digest). */
const uploadBlob = async (repository: string, bytes: Buffer): Promise<string> => {
  const digest = sha256(bytes);
  const started = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  expect(started.status).toBe(202);
  const location = new URL(started.headers.get("location")!, registry.url);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } });
  expect(put.status).toBe(201);
  return digest;
};

/**
 * Their image under `repository:tag`: gzip layers of their own content, and a config whose rootfs claims
 * `claimedDiffIds`. Answers the digests of their layers.
 */
const plantImage = async (repository: string, tag: string, claimedDiffIds: ReadonlyArray<string>): Promise<string[]> => {
  const layers = claimedDiffIds.map((_, i) => gzipSync(Buffer.concat([Buffer.from(`their layer ${i} `), randomBytes(64 << 10)])));
  const layerDigests = await Promise.all(layers.map((layer) => uploadBlob(repository, layer)));
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: claimedDiffIds } }));
  const configDigest = await uploadBlob(repository, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: configDigest, size: config.length },
    layers: layers.map((layer, i) => ({ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: layerDigests[i], size: layer.length })),
  });
  const put = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    body: manifest,
    headers: { "content-type": "application/vnd.docker.distribution.manifest.v2+json" },
  });
  expect(put.status).toBe(201);
  return layerDigests;
};

/** What each layer of `repository:tag` decompresses to, read from the registry: the diff_ids it really has. */
const storedDiffIds = async (repository: string, tag: string): Promise<string[]> => {
  const manifest = await readManifest(registry, repository, tag);
  const layers = (manifest.json.layers ?? []);
  return Promise.all(
    layers.map(async (layer) => {
      const blob = await registryRequest(registry, { method: "GET", path: `/v2/${repository}/blobs/${layer.digest}` });
      expect(sha256(blob.body)).toBe(layer.digest);
      return sha256(gunzipSync(blob.body));
    }),
  );
};

describe("an image planted under your tag, whose config claims your layers' diff_ids", () => {
  it("is not reused by default: their layers are checked, found not to be yours, and yours are uploaded", async () => {
    const repository = uniqueRepository("planted");
    const theirs = await plantImage(repository, "v1", diffIds);
    const proxy = await startRegistryProxy({ upstream: registry.url });
    try {
      await pushOk(strategyIn(work.dir), requestFor(registry, victim.path, `${repository}:v1`, { host: proxy.host }));
      // Both layers were uploaded (their blobs were downloaded to be checked, and rejected).
      expect(proxy.blobUploads().length).toBeGreaterThanOrEqual(2);
      expect(proxy.requests.filter((r) => r.method === "GET" && theirs.some((digest) => r.path.endsWith(`/blobs/${digest}`)))).toHaveLength(2);
    } finally {
      await proxy.close();
    }
    expect(await storedDiffIds(repository, "v1")).toEqual(diffIds);
    const manifest = await readManifest(registry, repository, "v1");
    expect((manifest.json.layers ?? []).map((l) => l.digest)).not.toContain(theirs[0]);
  });

  it('is reused with reuseRemoteLayers: "trust", the documented trade-off: the tag then holds their layers', async () => {
    const repository = uniqueRepository("planted-trust");
    const theirs = await plantImage(repository, "v1", diffIds);
    await pushOk(strategyIn(work.dir, { reuseRemoteLayers: "trust", blobInfoCacheDir: false }), requestFor(registry, victim.path, `${repository}:v1`));
    const manifest = await readManifest(registry, repository, "v1");
    expect((manifest.json.layers ?? []).map((l) => l.digest)).toEqual(theirs);
    expect(await storedDiffIds(repository, "v1")).not.toEqual(diffIds);
  });

  it("a layer really yours under the tag (pushed before, by anyone) is verified once, reused, and then known to the cache", async () => {
    const repository = uniqueRepository("genuine");
    // First push with no cache: the layers go up; then a push of the same image to the same tag by a
    // strategy with an empty cache must verify the tag's layers and upload nothing.
    await pushOk(strategyIn(work.dir, { blobInfoCacheDir: false }), requestFor(registry, victim.path, `${repository}:v1`));
    const dir = join(work.dir, `fresh-${randomBytes(3).toString("hex")}`);
    await mkdir(join(dir, "cache"), { recursive: true });
    const proxy = await startRegistryProxy({ upstream: registry.url });
    try {
      await pushOk(strategyIn(dir), requestFor(registry, victim.path, `${repository}:v1`, { host: proxy.host }));
      expect(proxy.blobUploads()).toEqual([]);
      const downloads = proxy.requests.filter((r) => r.method === "GET" && r.path.includes("/blobs/sha256:"));
      expect(downloads.length).toBeGreaterThanOrEqual(2);
      // Verified once: the next push trusts its own cache and downloads nothing.
      proxy.requests.length = 0;
      await pushOk(strategyIn(dir), requestFor(registry, victim.path, `${repository}:v2`, { host: proxy.host }));
      expect(proxy.blobUploads()).toEqual([]);
      expect(proxy.requests.filter((r) => r.method === "GET" && r.path.includes("/blobs/sha256:") && !r.path.includes(victim.configDigest))).toEqual([]);
    } finally {
      await proxy.close();
    }
    expect(await storedDiffIds(repository, "v2")).toEqual(diffIds);
  });
});

describe("a blob-info cache another local user wrote", () => {
  it("is ignored: their entry mapping your diff_ids to their blobs is never used", async () => {
    const her = env.otherUser;
    const repository = uniqueRepository("poisoned-cache");
    // Their blobs are in the repository (pushed under another tag), and the cache says they are your layers.
    const theirs = await plantImage(repository, "bait", diffIds.map(() => sha256(randomBytes(8))));
    const cacheDir = join(work.dir, `shared-cache-${randomBytes(3).toString("hex")}`);
    await mkdir(cacheDir);
    const now = Date.now();
    const layers = Object.fromEntries(diffIds.map((diffId, i) => [diffId, [{ digest: theirs[i], size: 1, at: now }]]));
    await writeFile(join(cacheDir, BLOB_INFO_CACHE_FILE), JSON.stringify({ version: 1, layers, locations: {} }), { mode: 0o644 });
    await chown(join(cacheDir, BLOB_INFO_CACHE_FILE), her.uid, her.gid);
    await chown(cacheDir, her.uid, her.gid);
    await chmod(cacheDir, 0o755);
    await pushOk(strategyIn(work.dir, { blobInfoCacheDir: cacheDir, reuseRemoteLayers: false }), requestFor(registry, victim.path, `${repository}:v1`));
    expect(await storedDiffIds(repository, "v1")).toEqual(diffIds);
  });
});
