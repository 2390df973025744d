import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePusher, type PushImageOptions } from "@skopush/core";
import { loadTestEnvironment, readManifest, registryRequest, sha256Digest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { createDefaultContainer, type StrategyName } from "skopush";

// Issue 18.2 for the skopeo strategies: zstd is skopeo's --dest-compress-format zstd (read back: OCI
// manifest, tar+zstd layers starting with zstd's magic number, decompressing to the diff_ids), and none,
// which skopeo cannot write to a registry, falls through to the registry strategy with the reason recorded.

let env: TestEnvironment;
let registry: TestRegistry;
let work: string;
let resident: ResidentContainer;
let image: ImageArchiveMetadata;
const ZSTD_MAGIC = "28b52ffd";
const MediaTypes = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
};

beforeAll(async () => {
  env = await loadTestEnvironment();
  registry = env.registry("basic");
  work = await mkdtemp(join(tmpdir(), "skopush-compression-"));
  await chmod(work, 0o700);
  image = await writeImageArchive(join(work, "image.tar"), {
    format: "docker-legacy",
    layers: 2,
    layerSize: [512 * 1024, 256 * 1024],
    compressibility: 0.5,
    seed: `skopeo-compression-${randomBytes(4).toString("hex")}`,
  });
  resident = await startResidentContainer({ image: env.skopeoImage, namePrefix: "skopush-compression" });
});

afterAll(async () => {
  await resident?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

const skopeoStrategies: ReadonlyArray<StrategyName> = ["native", "docker-exec", "dockerode"];

/** `strategy` first, the registry strategy after it, as the default chain orders them. */
const pushWith = (strategy: StrategyName, repository: string, options: Partial<PushImageOptions>, archive = image.path) =>
  resolvePusher(
    createDefaultContainer({
      order: [strategy, "registry"],
      credentialsProviders: false,
      strategies: {
        "docker-exec": { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } },
        dockerode: { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } },
      },
    }),
  ).push({
    archive,
    destination: `${registry.host}/${repository}:v1`,
    credentials: registry.credentials,
    tls: { verify: true, caFile: registry.caFile },
    ...options,
  });

describe.each(skopeoStrategies)("the %s strategy's choice of compression", (strategy) => {
  it("pushes zstd layers (skopeo's --dest-compress-format zstd) under an OCI manifest and reports zstd", async () => {
    const repository = `compression/${strategy}-zstd`;
    const result = await pushWith(strategy, repository, { compression: "zstd" });
    expect(result, result.status === "error" ? result.message : "").toMatchObject({ status: "success", method: strategy, compression: "zstd" });
    const manifest = await readManifest(registry, repository, "v1");
    expect(result.status === "success" && result.digest).toBe(manifest.digest);
    expect(manifest.mediaType).toBe(MediaTypes.ociManifest);
    const layers = manifest.json.layers ?? [];
    expect(layers.map((l) => l.mediaType)).toEqual(image.diffIds.map(() => MediaTypes.ociLayerZstd));
    for (const [i, layer] of layers.entries()) {
      const blob = await registryRequest(registry, { method: "GET", path: `/v2/${repository}/blobs/${layer.digest}` });
      expect(blob.status).toBe(200);
      expect(blob.body.subarray(0, 4).toString("hex")).toBe(ZSTD_MAGIC);
      const tar = execFileSync("zstd", ["-d", "-c", "-q"], { input: blob.body, maxBuffer: 64 << 20 });
      expect(sha256Digest(tar)).toBe(image.diffIds[i]);
    }
    expect(await readdir(resident.sharedDir)).toEqual([]);
  });

  it("pushes gzip layers when asked for gzip, and says gzip", async () => {
    const fresh = await writeImageArchive(join(work, `gzip-${strategy}.tar`), {
      format: "docker-legacy",
      layers: 2,
      layerSize: 256 * 1024,
      seed: `skopeo-gzip-${randomBytes(4).toString("hex")}`,
    });
    const repository = `compression/${strategy}-gzip`;
    const result = await pushWith(strategy, repository, { compression: "gzip" }, fresh.path);
    expect(result, result.status === "error" ? result.message : "").toMatchObject({ status: "success", method: strategy, compression: "gzip" });
    const manifest = await readManifest(registry, repository, "v1");
    expect((manifest.json.layers ?? []).map((l) => l.mediaType)).toEqual(fresh.diffIds.map(() => MediaTypes.dockerLayerGzip));
  });

  it("after zstd, a gzip push of the same layers succeeds and reports what skopeo sent (its blob-info cache may reuse the zstd blobs)", async () => {
    const repository = `compression/${strategy}-gzip-after-zstd`;
    const result = await pushWith(strategy, repository, { compression: "gzip" });
    expect(result, result.status === "error" ? result.message : "").toMatchObject({ status: "success", method: strategy });
    const manifest = await readManifest(registry, repository, "v1");
    expect(result.status === "success" && result.digest).toBe(manifest.digest);
    const types = (manifest.json.layers ?? []).map((l) => l.mediaType);
    const sent = types.every((t) => t === MediaTypes.ociLayerZstd) ? "zstd" : types.every((t) => t.endsWith("gzip")) ? "gzip" : "mixed";
    expect(result.status === "success" && result.compression).toBe(sent);
  });

  it("leaves none to the registry strategy: the attempt says skopeo cannot push uncompressed layers, the layers are the diff_ids", async () => {
    const repository = `compression/${strategy}-none`;
    const result = await pushWith(strategy, repository, { compression: "none" });
    expect(result, result.status === "error" ? result.message : "").toMatchObject({ status: "success", method: "registry", compression: "none" });
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      [strategy, "unavailable"],
      ["registry", "success"],
    ]);
    expect(result.attempts[0]?.reason).toContain("cannot push uncompressed layers");
    const manifest = await readManifest(registry, repository, "v1");
    expect(result.status === "success" && result.digest).toBe(manifest.digest);
    const layers = manifest.json.layers ?? [];
    expect(layers.map((l) => l.mediaType)).toEqual(image.diffIds.map(() => MediaTypes.dockerLayer));
    expect(layers.map((l) => l.digest)).toEqual(image.diffIds);
  });
});
