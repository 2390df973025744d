import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaTypes, openImageArchive, type ImageArchive } from "@skopush/archive";
import { writeImageArchive, type FixtureFormat, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { planImage, type ImagePlan } from "../src/image-plan.js";
import { buildManifest } from "../src/manifest-builder.js";

let dir: string;
const fixtures = new Map<string, ImageArchiveMetadata>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "skopush-registry-plan-"));
  const write = async (name: string, format: FixtureFormat, extra: { gzipLayers?: boolean; duplicateLayer?: boolean } = {}) =>
    fixtures.set(name, await writeImageArchive(join(dir, `${name}.tar`), { format, layers: 3, layerSize: 4096, seed: name, ...extra }));
  await write("legacy", "docker-legacy", { duplicateLayer: true });
  await write("docker-oci", "docker-oci");
  await write("docker-oci-gzip", "docker-oci", { gzipLayers: true });
  await write("oci", "oci-archive");
  await write("oci-plain", "oci-archive", { gzipLayers: false });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const open = (name: string) => Effect.runPromise(Effect.scoped(openImageArchive(fixtures.get(name)!.path)));
const plan = (archive: ImageArchive, format?: "oci" | "v2s2", compression?: "gzip" | "zstd" | "none"): ImagePlan => {
  const result = planImage(archive, format, compression);
  if (!("family" in result)) throw result;
  return result;
};
const fake = (plan: ImagePlan) => plan.layers.flatMap((blob) => blob.positions.map((p) => ({ p, d: { mediaType: blob.mediaType, digest: `sha256:${String(p).repeat(64)}`, size: p + 1 } }))).sort((a, b) => a.p - b.p).map((x) => x.d);

describe("planImage and buildManifest", () => {
  it("pushes a docker save archive as Docker schema 2, compressing its layers, a repeated layer once", async () => {
    const archive = await open("legacy");
    const p = plan(archive);
    expect(p.family).toBe("docker");
    expect(p.layers.map((l) => l.mode)).toEqual(["compress", "compress"]);
    expect(p.layers[0]?.positions).toEqual([0, 2]);
    expect(p.config.mediaType).toBe(MediaTypes.dockerConfig);
    const manifest = JSON.parse(Buffer.from(buildManifest(archive, p, fake(p)).bytes).toString()) as Record<string, unknown>;
    expect(Object.keys(manifest)).toEqual(["schemaVersion", "mediaType", "config", "layers"]);
    expect(manifest["mediaType"]).toBe(MediaTypes.dockerManifest);
    expect(Object.keys((manifest["config"] as object) ?? {})).toEqual(["mediaType", "size", "digest"]);
    expect((manifest["layers"] as { mediaType: string }[]).every((l) => l.mediaType === MediaTypes.dockerLayerGzip)).toBe(true);
  });

  it("pushes a Docker 25+ archive as Docker schema 2 too (like skopeo), and as OCI when asked", async () => {
    const archive = await open("docker-oci");
    expect(plan(archive).family).toBe("docker");
    const oci = plan(archive, "oci");
    expect(oci.family).toBe("oci");
    expect(oci.config.mediaType).toBe(MediaTypes.ociConfig);
    expect(oci.layers.every((l) => l.mode === "compress" && l.mediaType === MediaTypes.ociLayerGzip)).toBe(true);
    expect(oci.archiveManifestUsable).toBe(false);
  });

  it("keeps an OCI archive's own manifest byte for byte when its layers are already gzip", async () => {
    const archive = await open("oci");
    const p = plan(archive);
    expect(p.archiveManifestUsable).toBe(true);
    const built = buildManifest(archive, p, fake(p));
    expect(built.digest).toBe(fixtures.get("oci")?.manifestDigest);
    expect(Buffer.from(built.bytes).equals(Buffer.from(archive.manifest!.bytes))).toBe(true);
    const gzipDockerOci = await open("docker-oci-gzip");
    expect(plan(gzipDockerOci, "oci").archiveManifestUsable).toBe(true);
  });

  it("rewrites an OCI manifest field by field when layers get compressed, never mixing families", async () => {
    const archive = await open("oci-plain");
    const p = plan(archive);
    expect(p.layers.every((l) => l.mode === "compress")).toBe(true);
    const manifest = JSON.parse(Buffer.from(buildManifest(archive, p, fake(p)).bytes).toString()) as { mediaType: string; config: { mediaType: string }; layers: { mediaType: string }[] };
    expect(manifest.mediaType).toBe(MediaTypes.ociManifest);
    expect(manifest.config.mediaType).toBe(MediaTypes.ociConfig);
    expect(manifest.layers.every((l) => l.mediaType === MediaTypes.ociLayerGzip)).toBe(true);
    const docker = plan(archive, "v2s2");
    const asDocker = JSON.parse(Buffer.from(buildManifest(archive, docker, fake(docker)).bytes).toString()) as { config: { mediaType: string }; layers: { mediaType: string }[] };
    expect(asDocker.config.mediaType).toBe(MediaTypes.dockerConfig);
    expect(asDocker.layers.every((l) => l.mediaType === MediaTypes.dockerLayerGzip)).toBe(true);
  });
});

describe("planImage with a compression choice", () => {
  it("zstd: compresses uncompressed layers to OCI tar+zstd under an OCI manifest, even for a docker save archive", async () => {
    const archive = await open("legacy");
    const p = plan(archive, undefined, "zstd");
    expect(p.family).toBe("oci");
    expect(p.compression).toBe("zstd");
    expect(p.layers.map((l) => [l.mode, l.codec, l.mediaType])).toEqual([
      ["compress", "zstd", MediaTypes.ociLayerZstd],
      ["compress", "zstd", MediaTypes.ociLayerZstd],
    ]);
    const manifest = JSON.parse(Buffer.from(buildManifest(archive, p, fake(p)).bytes).toString()) as Record<string, unknown>;
    expect(manifest["mediaType"]).toBe(MediaTypes.ociManifest);
    expect((manifest["config"] as { mediaType: string }).mediaType).toBe(MediaTypes.ociConfig);
  });

  it("zstd: refuses a push that asks for Docker schema 2, which has no zstd type", async () => {
    const result = planImage(await open("legacy"), "v2s2", "zstd");
    expect(result).toMatchObject({ _tag: "StrategyFailed" });
    expect(String((result as { reason: string }).reason)).toMatch(/zstd layers need an OCI manifest/);
  });

  it("zstd and none leave layers stored gzip as they are", async () => {
    for (const choice of ["zstd", "none"] as const) {
      const p = plan(await open("docker-oci-gzip"), "oci", choice);
      expect(p.layers.every((l) => l.mode === "as-is" && l.mediaType === MediaTypes.ociLayerGzip && l.digest === l.layer.digest)).toBe(true);
    }
  });

  it("none: sends uncompressed layers as they are, digest = diff_id, under each family's uncompressed type", async () => {
    const docker = plan(await open("legacy"), undefined, "none");
    expect(docker.family).toBe("docker");
    expect(docker.layers.map((l) => [l.mode, l.mediaType, l.digest === l.layer.diffId])).toEqual([
      ["as-is", MediaTypes.dockerLayer, true],
      ["as-is", MediaTypes.dockerLayer, true],
    ]);
    const oci = plan(await open("oci-plain"), undefined, "none");
    expect(oci.family).toBe("oci");
    expect(oci.layers.every((l) => l.mode === "as-is" && l.mediaType === MediaTypes.ociLayer && l.digest === l.layer.diffId)).toBe(true);
  });

  it("gzip is the default", async () => {
    const p = plan(await open("legacy"));
    expect(p.compression).toBe("gzip");
    expect(p.layers.every((l) => l.codec === "gzip" && l.mediaType === MediaTypes.dockerLayerGzip)).toBe(true);
  });
});
