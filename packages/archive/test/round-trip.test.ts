import { createHash } from "node:crypto";
import { mkdir, readdir } from "node:fs/promises";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { writeImageArchive, type ImageArchiveMetadata, type ImageArchiveOptions } from "@skopush/testkit/fixtures";
import { Effect } from "effect";
import { inspectArchive, openImageArchive, type ImageArchive } from "../src/index.js";
import { runScoped, succeeded, useTempDirectory } from "./support.js";

const temp = useTempDirectory();

const sha256Of = async (stream: Readable): Promise<string> => {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
};

/** What the reader should report for what the writer wrote. */
const expected = (meta: ImageArchiveMetadata) => ({
  format: meta.format === "oci-archive" ? "oci-archive" : "docker-archive",
  layout: meta.format,
  repoTags: meta.format === "oci-archive" ? [] : meta.repoTags,
  refNames: meta.refNames,
  configDigest: meta.configDigest,
  configSize: meta.configSize,
  configMediaType: meta.configMediaType,
  diffIds: meta.diffIds,
  manifestDigest: meta.manifestDigest,
  totalBytes: meta.totalBytes,
  layers: meta.layers.map((layer) => ({
    name: layer.path,
    size: layer.size,
    digest: meta.format === "docker-legacy" ? undefined : layer.digest,
    diffId: layer.diffId,
    mediaType: layer.mediaType,
    compression: layer.compression,
  })),
});

const observed = (archive: ImageArchive) => ({
  format: archive.format,
  layout: archive.layout,
  repoTags: archive.repoTags,
  refNames: archive.refNames,
  configDigest: archive.config.digest,
  configSize: archive.config.size,
  configMediaType: archive.config.mediaType,
  diffIds: archive.config.diffIds,
  manifestDigest: archive.manifest?.digest,
  totalBytes: archive.totalBytes,
  layers: archive.layers.map((layer) => ({
    name: layer.name,
    size: layer.size,
    digest: layer.digest,
    diffId: layer.diffId,
    mediaType: layer.mediaType,
    compression: layer.compression,
  })),
});

const CASES: ReadonlyArray<readonly [string, ImageArchiveOptions]> = [
  ["docker-legacy, 3 layers incl. an empty one", { format: "docker-legacy", layers: 3, layerSize: [1000, 0, 70_000], seed: "rt-1" }],
  ["docker-legacy with gzip layers", { format: "docker-legacy", layers: 2, gzipLayers: true, seed: "rt-2" }],
  ["docker-legacy with a duplicate layer stored as a symlink", { format: "docker-legacy", layers: 3, duplicateLayer: true, seed: "rt-3" }],
  ["docker-legacy saved by ID (RepoTags null)", { format: "docker-legacy", repoTags: [], seed: "rt-4" }],
  ["docker-legacy, gzip-compressed archive", { format: "docker-legacy", layers: 2, compress: "gzip", seed: "rt-5" }],
  ["docker-oci (Docker 25+, classic store)", { format: "docker-oci", layers: 3, seed: "rt-6", repoTags: ["proj/app:v1", "proj/app:v2"] }],
  ["docker-oci, containerd store (gzip layers, image index)", { format: "docker-oci", layers: 2, gzipLayers: true, imageIndex: true, seed: "rt-7" }],
  ["docker-oci with a duplicate layer", { format: "docker-oci", layers: 2, duplicateLayer: true, seed: "rt-8" }],
  ["oci-archive (gzip layers)", { format: "oci-archive", layers: 3, seed: "rt-9", compressibility: 0.5, layerSize: 300_000 }],
  ["oci-archive, uncompressed layers", { format: "oci-archive", layers: 2, gzipLayers: false, seed: "rt-10" }],
  ["oci-archive over an image index", { format: "oci-archive", imageIndex: true, seed: "rt-11" }],
  ["oci-archive, untagged", { format: "oci-archive", repoTags: [], seed: "rt-12" }],
  ["oci-archive, gzip-compressed archive", { format: "oci-archive", compress: "gzip", seed: "rt-13", compressibility: "compressible" }],
];

describe("round trip: what the fixture writer wrote is what the reader reads", () => {
  it.each(CASES)("%s", async (_name, options) => {
    const path = temp(`${options.seed}.tar`);
    const meta = await writeImageArchive(path, options);
    const tempRoot = temp(`${options.seed}-tmp`);
    await mkdir(tempRoot);
    const result = succeeded(
      await runScoped(
        Effect.gen(function* () {
          const archive = yield* openImageArchive(path, { tempDirectory: tempRoot });
          for (const layer of archive.layers) yield* layer.verify();
          const streamed = yield* Effect.promise(() => Promise.all(archive.layers.map((layer) => sha256Of(layer.open()))));
          const tempFiles = yield* Effect.promise(() => readdir(tempRoot));
          return { archive, streamed, tempFiles };
        }),
      ),
    );
    expect(observed(result.archive)).toEqual(expected(meta));
    expect(result.archive.outerCompression).toBe(options.compress === "gzip" ? "gzip" : "none");
    expect(result.streamed).toEqual(meta.layers.map((layer) => layer.digest));
    expect(createHash("sha256").update(result.archive.config.bytes).digest("hex")).toBe(meta.configDigest.slice(7));
    if (result.archive.manifest) {
      expect(createHash("sha256").update(result.archive.manifest.bytes).digest("hex")).toBe(meta.manifestDigest?.slice(7));
    }
    // A gzip archive is decompressed into the temp root while open, and removed with the scope.
    expect(result.tempFiles.length).toBe(options.compress === "gzip" ? 1 : 0);
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it("inspectArchive summarises the same facts, cheaply", async () => {
    const path = temp("inspect.tar");
    const meta = await writeImageArchive(path, { format: "docker-oci", layers: 4, layerSize: [10, 20, 30, 40], seed: "inspect" });
    const summary = await Effect.runPromise(inspectArchive(path));
    expect(summary).toMatchObject({
      format: "docker-archive",
      layout: "docker-oci",
      configDigest: meta.configDigest,
      manifestDigest: meta.manifestDigest,
      diffIds: meta.diffIds,
      layerCount: 4,
      totalBytes: meta.totalBytes,
      repoTags: meta.repoTags,
    });
    expect(summary.layers.map((layer) => layer.size)).toEqual(meta.layers.map((layer) => layer.size));
  });

  it("reads a Docker 25+ archive as an oci-archive when asked to", async () => {
    const path = temp("as-oci.tar");
    const meta = await writeImageArchive(path, { format: "docker-oci", layers: 2, seed: "as-oci" });
    const summary = await Effect.runPromise(inspectArchive(path, { format: "oci-archive" }));
    expect(summary).toMatchObject({ format: "oci-archive", layout: "oci-archive", manifestDigest: meta.manifestDigest, refNames: ["latest"] });
  });

  it("streams the same layer in parallel and again after a retry", async () => {
    const path = temp("parallel.tar");
    const meta = await writeImageArchive(path, { format: "oci-archive", layers: 1, layerSize: 3 << 20, seed: "parallel" });
    const digests = succeeded(
      await runScoped(
        Effect.gen(function* () {
          const archive = yield* openImageArchive(path);
          const layer = archive.layers[0];
          if (!layer) throw new Error("no layer");
          return yield* Effect.promise(() => Promise.all([1, 2, 3].map(() => sha256Of(layer.open()))));
        }),
      ),
    );
    expect(digests).toEqual([1, 2, 3].map(() => meta.layers[0]?.digest));
  });
});
