import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectArchive, MediaTypes } from "@skopush/archive";
import { blobExists, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";
import { startRegistryProxy } from "./support/registry-proxy.js";
import { skopeo, skopeoCopyToArchive, skopeoInspect, skopeoInspectRaw, skopeoPush } from "./support/skopeo.js";

const KINDS = ["plain", "tls", "basic", "token"] as const;

let env: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let legacy: ImageArchiveMetadata;
let ociGzip: ImageArchiveMetadata;
let dockerOci: ImageArchiveMetadata;

beforeAll(async () => {
  env = await loadTestEnvironment();
  work = await scratch("interop");
  // Mixed content: text and random bytes in every layer, one layer entirely random, one duplicated.
  legacy = await writeImageArchive(join(work.dir, "legacy.tar"), {
    format: "docker-legacy",
    layers: 4,
    layerSize: [3 << 20, 1 << 20, 5 << 20, 3 << 20],
    compressibility: 0.5,
    duplicateLayer: true,
    seed: `interop-legacy-${Date.now()}`,
  });
  ociGzip = await writeImageArchive(join(work.dir, "oci.tar"), { format: "oci-archive", layers: 2, layerSize: 2 << 20, compressibility: 0.7, seed: `interop-oci-${Date.now()}` });
  dockerOci = await writeImageArchive(join(work.dir, "docker-oci.tar"), { format: "docker-oci", layers: 2, layerSize: [1 << 20, 2 << 20], compressibility: "random", seed: `interop-docker-oci-${Date.now()}` });
});

afterAll(async () => {
  await work?.cleanup();
});

/** Copies the pushed image back with skopeo and reads what it got. */
const pulledBack = async (registry: TestRegistry, reference: string, name: string) => {
  const out = join(work.dir, `${name}.tar`);
  await skopeoCopyToArchive(registry, reference, out);
  return Effect.runPromise(inspectArchive(out));
};

describe.each(KINDS)("interop with skopeo, %s registry", (kind) => {
  // The token registry is Harbor-like: repositories live in its project.
  const repositoryFor = (label: string) => uniqueRepository(label, kind === "token" ? env.harbor.project : "interop");

  it("pushes a docker save archive as Docker schema 2 that skopeo reads and pulls back with the same diff_ids", async () => {
    const registry = env.registry(kind);
    const reference = `${repositoryFor(`legacy-${kind}`)}:v1`;
    const outcome = await pushOk(strategyIn(work.dir), requestFor(registry, legacy.path, reference));

    const inspected = await skopeoInspect(registry, `${registry.host}/${reference}`);
    expect(inspected.Digest).toBe(outcome.digest);
    expect(inspected.Layers).toHaveLength(legacy.layers.length);
    const raw = JSON.parse(await skopeoInspectRaw(registry, `${registry.host}/${reference}`)) as {
      mediaType: string;
      config: { digest: string; mediaType: string };
      layers: { mediaType: string; digest: string }[];
    };
    expect(raw.mediaType).toBe(MediaTypes.dockerManifest);
    expect(raw.config).toMatchObject({ digest: legacy.configDigest, mediaType: MediaTypes.dockerConfig });
    expect(raw.layers.every((l) => l.mediaType === MediaTypes.dockerLayerGzip)).toBe(true);
    // The duplicated layer is one blob listed twice.
    expect(raw.layers[3]?.digest).toBe(raw.layers[0]?.digest);

    const pulled = await pulledBack(registry, `${registry.host}/${reference}`, `pulled-legacy-${kind}`);
    expect(pulled.diffIds).toEqual(legacy.diffIds);
    expect(pulled.configDigest).toBe(legacy.configDigest);
  });

  it("pushes an oci-archive with gzip layers unchanged: the registry stores the archive's own manifest digest", async () => {
    const registry = env.registry(kind);
    const reference = `${repositoryFor(`oci-${kind}`)}:v1`;
    const outcome = await pushOk(strategyIn(work.dir), requestFor(registry, ociGzip.path, reference));
    expect(outcome.digest).toBe(ociGzip.manifestDigest);
    const raw = JSON.parse(await skopeoInspectRaw(registry, `${registry.host}/${reference}`)) as { mediaType: string };
    expect(raw.mediaType).toBe(MediaTypes.ociManifest);
    const pulled = await pulledBack(registry, `${registry.host}/${reference}`, `pulled-oci-${kind}`);
    expect(pulled.diffIds).toEqual(ociGzip.diffIds);
  });

  it("re-pushes an image skopeo pushed first with zero blob uploads, keeping skopeo's manifest", async () => {
    const registry = env.registry(kind);
    const reference = `${repositoryFor(`first-${kind}`)}:v1`;
    const skopeoDigest = await skopeoPush(registry, legacy.path, `${registry.host}/${reference}`);
    const proxy = await startRegistryProxy({
      upstream: registry.url,
      caFile: registry.caFile,
      tls: registry.scheme === "https" ? { certFile: env.state.certificates.serverCert, keyFile: env.state.certificates.serverKey } : undefined,
    });
    try {
      const outcome = await pushOk(strategyIn(work.dir), requestFor(registry, legacy.path, reference, { host: proxy.host }));
      expect(proxy.requests.filter((r) => r.path.includes("/blobs/uploads/"))).toEqual([]);
      expect(proxy.blobUploads()).toEqual([]);
      expect(proxy.requests.some((r) => r.method === "PUT" && r.path.includes("/manifests/"))).toBe(true);
      expect(outcome.digest).toBe(skopeoDigest);
    } finally {
      await proxy.close();
    }
    expect((await readManifest(registry, reference.split(":")[0] as string, "v1")).digest).toBe(skopeoDigest);
  });
});

describe("manifest formats", () => {
  it("pushes a Docker 25+ archive as OCI when asked, converting every media type of the family", async () => {
    const registry = env.registry("plain");
    const repository = uniqueRepository("forced-oci");
    const outcome = await pushOk(strategyIn(work.dir), requestFor(registry, dockerOci.path, `${repository}:v1`, { manifestFormat: "oci" }));
    const stored = await readManifest(registry, repository, "v1");
    expect(stored.digest).toBe(outcome.digest);
    expect(stored.mediaType).toBe(MediaTypes.ociManifest);
    expect(stored.json.config?.mediaType).toBe(MediaTypes.ociConfig);
    expect(stored.json.layers?.every((l) => l.mediaType === MediaTypes.ociLayerGzip)).toBe(true);
    const pulled = await pulledBack(registry, `${registry.host}/${repository}:v1`, "pulled-forced-oci");
    expect(pulled.diffIds).toEqual(dockerOci.diffIds);
  });

  it("pushes an oci-archive as Docker schema 2 when asked", async () => {
    const registry = env.registry("tls");
    const repository = uniqueRepository("forced-v2s2");
    await pushOk(strategyIn(work.dir), requestFor(registry, ociGzip.path, `${repository}:v1`, { manifestFormat: "v2s2" }));
    const stored = await readManifest(registry, repository, "v1");
    expect(stored.mediaType).toBe(MediaTypes.dockerManifest);
    expect(stored.json.config).toMatchObject({ mediaType: MediaTypes.dockerConfig, digest: ociGzip.configDigest });
    expect(stored.json.layers?.map((l) => l.digest)).toEqual(ociGzip.layers.map((l) => l.digest));
    expect(stored.json.layers?.every((l) => l.mediaType === MediaTypes.dockerLayerGzip)).toBe(true);
  });
});

describe("archive forms", () => {
  it("pushes an OCI layout directory (skopeo copy … oci:<dir>) with its manifest unchanged", async () => {
    const layout = join(work.dir, "layout");
    await skopeo(["copy", `oci-archive:${ociGzip.path}`, `oci:${layout}:v1`]);
    const registry = env.registry("tls");
    const repository = uniqueRepository("layout-dir");
    const outcome = await pushOk(strategyIn(work.dir), requestFor(registry, layout, `${repository}:v1`));
    const stored = await readManifest(registry, repository, "v1");
    expect(stored.digest).toBe(outcome.digest);
    expect(stored.json.config?.digest).toBe(ociGzip.configDigest);
    const pulled = await pulledBack(registry, `${registry.host}/${repository}:v1`, "pulled-layout");
    expect(pulled.diffIds).toEqual(ociGzip.diffIds);
  });

  it("pushes the present platform of a Docker 25+ containerd-store archive (an index with absent platforms)", async () => {
    const indexed = await writeImageArchive(join(work.dir, "indexed.tar"), {
      format: "docker-oci",
      layers: 2,
      layerSize: 256 << 10,
      gzipLayers: true,
      imageIndex: true,
      seed: `interop-indexed-${Date.now()}`,
    });
    const registry = env.registry("plain");
    const repository = uniqueRepository("indexed");
    await pushOk(strategyIn(work.dir), requestFor(registry, indexed.path, `${repository}:v1`));
    const stored = await readManifest(registry, repository, "v1");
    expect(stored.mediaType).toBe(MediaTypes.dockerManifest);
    expect(stored.json.config?.digest).toBe(indexed.configDigest);
    expect(stored.json.layers?.map((l) => l.digest)).toEqual(indexed.layers.map((l) => l.digest));
  });

  it("pushes a gzip-compressed docker save (docker save | gzip), leaving no temp file", async () => {
    const gz = await writeImageArchive(join(work.dir, "saved.tar.gz"), { format: "docker-legacy", layers: 2, layerSize: 256 << 10, compress: "gzip", seed: `interop-gz-${Date.now()}` });
    const registry = env.registry("plain");
    const repository = uniqueRepository("gzipped");
    const temp = join(work.dir, "tmp-gz");
    await import("node:fs/promises").then((fs) => fs.mkdir(temp));
    await pushOk(strategyIn(work.dir, { tempDirectory: temp }), requestFor(registry, gz.path, `${repository}:v1`));
    expect((await readManifest(registry, repository, "v1")).json.config?.digest).toBe(gz.configDigest);
    expect(await import("node:fs/promises").then((fs) => fs.readdir(temp))).toEqual([]);
  });
});

describe("re-pushes", () => {
  it("re-pushes its own push without uploading or compressing anything, to the same or a new tag", async () => {
    const registry = env.registry("plain");
    const repository = uniqueRepository("again");
    const strategy = strategyIn(work.dir);
    const first = await pushOk(strategy, requestFor(registry, legacy.path, `${repository}:v1`));
    const proxy = await startRegistryProxy({ upstream: registry.url });
    try {
      const again = await pushOk(strategy, requestFor(registry, legacy.path, `${repository}:v1`, { host: proxy.host }));
      expect(again.digest).toBe(first.digest);
      // A new tag: the blob-info cache knows the compressed digests, the registry confirms them.
      const tagged = await pushOk(strategy, requestFor(registry, legacy.path, `${repository}:v2`, { host: proxy.host }));
      expect(tagged.digest).toBe(first.digest);
      expect(proxy.requests.filter((r) => r.path.includes("/blobs/uploads/"))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("mounts blobs from another repository of the registry instead of uploading them", async () => {
    const registry = env.registry("basic");
    const source = uniqueRepository("mount-source");
    const target = uniqueRepository("mount-target");
    const strategy = strategyIn(work.dir, { blobInfoCacheDir: false, mountFrom: [source] });
    await pushOk(strategy, requestFor(registry, ociGzip.path, `${source}:v1`));
    const proxy = await startRegistryProxy({
      upstream: registry.url,
      caFile: registry.caFile,
      tls: { certFile: env.state.certificates.serverCert, keyFile: env.state.certificates.serverKey },
    });
    try {
      await pushOk(strategy, requestFor(registry, ociGzip.path, `${target}:v1`, { host: proxy.host }));
      expect(proxy.blobUploads()).toEqual([]);
      const mounts = proxy.requests.filter((r) => r.method === "POST" && r.path.includes("mount="));
      expect(mounts.length).toBe(ociGzip.layers.length + 1);
      expect(mounts.every((m) => m.status === 201)).toBe(true);
    } finally {
      await proxy.close();
    }
    for (const layer of ociGzip.layers) expect(await blobExists(registry, target, layer.digest)).toBe(true);
  });
});
