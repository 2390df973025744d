import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectArchive, MediaTypes } from "@skopush/archive";
import type { LayerCompressionChoice } from "@skopush/core";
import { loadTestEnvironment, readManifest, registryRequest, sha256Digest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";
import { skopeo, skopeoCopyToArchive, withRegistryFlags } from "./support/skopeo.js";

let env: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let legacy: ImageArchiveMetadata;

beforeAll(async () => {
  env = await loadTestEnvironment();
  work = await scratch("compression");
  // Text and random bytes in every layer, one layer entirely random, one duplicated.
  legacy = await writeImageArchive(join(work.dir, "legacy.tar"), {
    format: "docker-legacy",
    layers: 4,
    layerSize: [3 << 20, 1 << 20, 2 << 20, 3 << 20],
    compressibility: 0.5,
    duplicateLayer: true,
    seed: `compression-${Date.now()}`,
  });
});

afterAll(async () => {
  await work?.cleanup();
});

const LAYER_TYPE: Record<LayerCompressionChoice, string> = {
  gzip: MediaTypes.dockerLayerGzip,
  zstd: MediaTypes.ociLayerZstd,
  none: MediaTypes.dockerLayer,
};
const MANIFEST_TYPE: Record<LayerCompressionChoice, string> = {
  gzip: MediaTypes.dockerManifest,
  zstd: MediaTypes.ociManifest,
  none: MediaTypes.dockerManifest,
};
// zstd(1) also reads gzip, so the format is told by its magic number first.
const MAGIC: Record<LayerCompressionChoice, string> = { gzip: "1f8b", zstd: "28b52ffd", none: "" };
const decompress = (choice: LayerCompressionChoice, bytes: Buffer): Buffer =>
  choice === "gzip" ? gunzipSync(bytes) : choice === "zstd" ? execFileSync("zstd", ["-d", "-c", "-q"], { input: bytes, maxBuffer: 64 << 20 }) : bytes;

/** Each layer blob hashes to its digest and, decompressed as `choice` says, to the archive's diff_id. */
const expectLayerBlobs = async (registry: TestRegistry, repository: string, layers: ReadonlyArray<{ digest: string; size: number }>, choice: LayerCompressionChoice) => {
  for (const [i, layer] of layers.entries()) {
    const blob = await registryRequest(registry, { method: "GET", path: `/v2/${repository}/blobs/${layer.digest}` });
    expect(blob.status).toBe(200);
    expect(sha256Digest(blob.body)).toBe(layer.digest);
    expect(blob.body.length).toBe(layer.size);
    expect(blob.body.subarray(0, MAGIC[choice].length / 2).toString("hex")).toBe(MAGIC[choice]);
    expect(sha256Digest(decompress(choice, blob.body))).toBe(legacy.diffIds[i]);
  }
};

/** Pushes with a strategy that remembers nothing and reads nothing back first, so every layer is compressed again. */
const freshPush = (registry: TestRegistry, reference: string, compression: LayerCompressionChoice) =>
  pushOk(strategyIn(work.dir, { blobInfoCacheDir: false, reuseRemoteLayers: false }), requestFor(registry, legacy.path, reference, { compression }));

describe.each(["gzip", "zstd", "none"] as const)("--compression %s", (choice) => {
  describe.each(["plain", "token"] as const)("%s registry", (kind) => {
    it("pushes layers of that type, whose blobs hash to their digests and decompress to the diff_ids; the digest is the same on every run", async () => {
      const registry = env.registry(kind);
      const project = kind === "token" ? env.harbor.project : "interop";
      const first = uniqueRepository(`compression-${choice}`, project);
      const second = uniqueRepository(`compression-${choice}-again`, project);
      const outcome = await freshPush(registry, `${first}:v1`, choice);
      expect(outcome.compression).toBe(choice);

      const manifest = await readManifest(registry, first, "v1");
      expect(manifest.digest).toBe(outcome.digest);
      expect(manifest.mediaType).toBe(MANIFEST_TYPE[choice]);
      expect(manifest.json.config?.mediaType).toBe(choice === "zstd" ? MediaTypes.ociConfig : MediaTypes.dockerConfig);
      const layers = manifest.json.layers ?? [];
      expect(layers.map((l) => l.mediaType)).toEqual(legacy.diffIds.map(() => LAYER_TYPE[choice]));
      await expectLayerBlobs(registry, first, layers, choice);
      if (choice === "none") expect(layers.map((l) => l.digest)).toEqual(legacy.diffIds);
      else expect(layers.reduce((n, l) => n + l.size, 0)).toBeLessThan(legacy.layers.reduce((n, l) => n + l.size, 0));

      // Reproducible: compressed again from scratch, the same archive and settings give the same image.
      const again = await freshPush(registry, `${second}:v1`, choice);
      expect(again.digest).toBe(outcome.digest);
    });
  });

  it("skopeo pulls the pushed image back with the archive's diff_ids and config", async () => {
    const registry = env.registry("tls");
    const reference = `${registry.host}/${uniqueRepository(`compression-skopeo-${choice}`)}:v1`;
    await pushOk(strategyIn(work.dir), { ...requestFor(registry, legacy.path, reference.slice(registry.host.length + 1)), compression: choice });
    // A docker-archive cannot hold zstd layers (skopeo refuses the conversion): zstd comes back as an OCI layout.
    const out = join(work.dir, `pulled-${choice}${choice === "zstd" ? "" : ".tar"}`);
    if (choice === "zstd") await withRegistryFlags(registry, "src", (flags) => skopeo(["copy", ...flags, `docker://${reference}`, `oci:${out}`]));
    else await skopeoCopyToArchive(registry, reference, out);
    const pulled = await Effect.runPromise(inspectArchive(out));
    expect(pulled.diffIds).toEqual(legacy.diffIds);
    expect(pulled.configDigest).toBe(legacy.configDigest);
  });
});

describe("dockerd pulls back", () => {
  const docker = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile("docker", args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => (error ? reject(new Error(`docker ${args.join(" ")}: ${stderr}`)) : resolve(stdout))),
    );

  // Docker pulls zstd layers from 23.0 on; this machine's dockerd may be older, so zstd is checked with skopeo above.
  it.each(["gzip", "none"] as const)("an image pushed with %s layers, with the archive's diff_ids", async (choice) => {
    const registry = env.registry("plain");
    const reference = `${registry.host}/${uniqueRepository(`compression-docker-${choice}`)}:v1`;
    await pushOk(strategyIn(work.dir), { ...requestFor(registry, legacy.path, reference.slice(registry.host.length + 1)), compression: choice });
    await docker(["pull", "--quiet", reference]);
    try {
      const layers = JSON.parse(await docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", reference])) as string[];
      expect(layers).toEqual(legacy.diffIds);
    } finally {
      await docker(["image", "rm", reference]);
    }
  });
});

describe("switching compression", () => {
  it("a re-push with another choice sends that choice: neither the blob-info cache nor the tag's current image hands back the other codec's blobs", async () => {
    const registry = env.registry("plain");
    const repository = uniqueRepository("compression-switch");
    const strategy = strategyIn(work.dir); // one cache for all three pushes, remote reuse on
    for (const choice of ["gzip", "zstd", "gzip", "none"] as const) {
      const outcome = await pushOk(strategy, requestFor(registry, legacy.path, `${repository}:v1`, { compression: choice }));
      const manifest = await readManifest(registry, repository, "v1");
      expect(manifest.digest).toBe(outcome.digest);
      expect((manifest.json.layers ?? []).map((l) => l.mediaType)).toEqual(legacy.diffIds.map(() => LAYER_TYPE[choice]));
      await expectLayerBlobs(registry, repository, manifest.json.layers ?? [], choice);
    }
  });
});
