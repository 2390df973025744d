import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageReference } from "@skopush/core";
import { paxRecord, writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { FastGzip } from "../src/fixtures/fast-gzip.js";
import { payloadSegments } from "../src/fixtures/payload.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "skopush-fixtures-test-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});
let counter = 0;
const path = () => join(directory, `image-${counter++}.tar`);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const layerBytes = async (meta: ImageArchiveMetadata, index: number): Promise<Buffer> => {
  // Find the blob in the archive by its digest: the writer's claim is checked against the bytes.
  const archive = await readFile(meta.path);
  const layer = meta.layers[index];
  if (!layer) throw new Error("no such layer");
  for (let offset = 0; offset + 512 <= archive.length; offset += 512) {
    const header = archive.subarray(offset, offset + 512);
    const name = header.subarray(0, 100).toString("latin1").replace(/\0.*$/s, "");
    const size = Number.parseInt(header.subarray(124, 136).toString("latin1").replace(/\0.*$/s, "") || "0", 8);
    if (name === layer.path && header[156] === "0".charCodeAt(0)) return archive.subarray(offset + 512, offset + 512 + size);
  }
  throw new Error(`layer ${layer.path} not found`);
};

describe("writeImageArchive", () => {
  it("is deterministic: the same options give the same bytes", async () => {
    const options = { format: "oci-archive", layers: 2, layerSize: 50_000, compressibility: 0.3, seed: "same" } as const;
    const first = await writeImageArchive(path(), options);
    const second = await writeImageArchive(path(), options);
    expect({ ...second, path: first.path }).toEqual(first);
    expect(sha256(await readFile(second.path))).toBe(sha256(await readFile(first.path)));
  });

  it("gives images of different seeds no layer in common", async () => {
    const a = await writeImageArchive(path(), { format: "docker-oci", layers: 3, seed: "a" });
    const b = await writeImageArchive(path(), { format: "docker-oci", layers: 3, seed: "b" });
    const digests = new Set([...a.layers, ...b.layers].map((layer) => layer.digest));
    expect(digests.size).toBe(6);
    expect(a.configDigest).not.toBe(b.configDigest);
  });

  it("names each layer's blob by the sha256 of its bytes, and its diff_id by that of the uncompressed tar", async () => {
    for (const format of ["docker-legacy", "docker-oci", "oci-archive"] as const) {
      const meta = await writeImageArchive(path(), { format, layers: 2, layerSize: [3000, 70_000], seed: `names-${format}` });
      for (const [i, layer] of meta.layers.entries()) {
        const stored = await layerBytes(meta, i);
        expect(stored.length).toBe(layer.size);
        expect(`sha256:${sha256(stored)}`).toBe(layer.digest);
        const tar = layer.compression === "gzip" ? gunzipSync(stored) : stored;
        expect(`sha256:${sha256(tar)}`).toBe(layer.diffId);
        expect(tar.subarray(512, 612).toString("latin1").replace(/\0.*$/s, "")).toBe(`data/names-${format}-${i}.bin`);
      }
      expect(meta.diffIds).toEqual(meta.layers.map((layer) => layer.diffId));
    }
  });

  it("sizes layers as asked: the file holds layerSize bytes, the uncompressed tar adds headers and padding", async () => {
    const meta = await writeImageArchive(path(), { format: "docker-legacy", layers: 3, layerSize: [0, 1, 513], seed: "sizes" });
    expect(meta.layers.map((layer) => layer.size)).toEqual([2048, 2560, 3072]);
    expect(meta.totalBytes).toBe(meta.configSize + 2048 + 2560 + 3072);
  });

  it("compresses as much as compressibility says", async () => {
    const ratio = async (compressibility: "random" | "compressible" | number) => {
      const meta = await writeImageArchive(path(), { format: "oci-archive", layerSize: 1 << 20, compressibility, seed: `ratio-${compressibility}` });
      return (meta.layers[0]?.size ?? 0) / (1 << 20);
    };
    const random = await ratio("random");
    const half = await ratio(0.5);
    const text = await ratio("compressible");
    expect(random).toBeGreaterThan(1);
    expect(text).toBeLessThan(0.5);
    expect(half).toBeGreaterThan(text);
    expect(half).toBeLessThan(random);
  });

  it("defaults to a valid reference as RepoTag and honours empty repoTags", async () => {
    const meta = await writeImageArchive(path(), { format: "docker-oci", seed: "Weird Seed!!" });
    expect(meta.repoTags).toEqual(["skopush-fixture/weird-seed:latest"]);
    expect(() => ImageReference.parseOrThrow(meta.repoTags[0] as string)).not.toThrow();
    expect(meta.refNames).toEqual(["latest"]);
    const untagged = await writeImageArchive(path(), { format: "oci-archive", repoTags: [], seed: "untagged" });
    expect(untagged.repoTags).toEqual([]);
    expect(untagged.refNames).toEqual([]);
  });

  it("reuses the first layer for duplicateLayer", async () => {
    const meta = await writeImageArchive(path(), { format: "docker-legacy", layers: 3, duplicateLayer: true, seed: "dup" });
    expect(meta.layers[2]?.diffId).toBe(meta.layers[0]?.diffId);
    expect(meta.layers[2]?.path).not.toBe(meta.layers[0]?.path);
  });

  it("leaves no temp file behind when compressing the archive", async () => {
    const target = join(directory, "compressed", "image.tar.gz");
    await mkdir(join(directory, "compressed"));
    const meta = await writeImageArchive(target, { format: "docker-legacy", compress: "gzip", seed: "gz" });
    expect(await readdir(join(directory, "compressed"))).toEqual(["image.tar.gz"]);
    expect((await readFile(target)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(meta.archiveSize).toBe((await readFile(target)).length);
  });

  it("rejects options that make no image", async () => {
    await expect(writeImageArchive(path(), { format: "oci-archive", layers: 0 })).rejects.toThrow(/positive integer/);
    await expect(writeImageArchive(path(), { format: "oci-archive", layers: 2, layerSize: [1] })).rejects.toThrow(/lists 1 sizes for 2 layers/);
    await expect(writeImageArchive(path(), { format: "oci-archive", duplicateLayer: true })).rejects.toThrow(/at least 2 layers/);
    await expect(writeImageArchive(path(), { format: "docker-legacy", imageIndex: true })).rejects.toThrow(/OCI form/);
    await expect(writeImageArchive(path(), { format: "oci-archive", layerSize: -1 })).rejects.toThrow(/non-negative/);
  });
});

describe("FastGzip", () => {
  it("writes gzip that zlib reads back, mixing stored and deflated blocks", async () => {
    const gzip = new FastGzip();
    const segments = [...payloadSegments("mixed", 300_000, 0.4), { bytes: Buffer.alloc(0), compressible: false }, ...payloadSegments("more", 70_000, "random")];
    const parts = await Promise.all(segments.map((segment) => gzip.push(segment)));
    const compressed = Buffer.concat([...parts, gzip.end()]);
    expect(gunzipSync(compressed)).toEqual(Buffer.concat(segments.map((segment) => segment.bytes)));
  });

  it("writes a valid empty stream", () => {
    expect(gunzipSync(new FastGzip().end())).toEqual(Buffer.alloc(0));
  });
});

describe("paxRecord", () => {
  it("counts its own length, also when the length gains a digit", () => {
    for (let valueLength = 0; valueLength < 1200; valueLength++) {
      const record = paxRecord("path", "v".repeat(valueLength));
      const length = Number.parseInt(record, 10);
      expect(Buffer.byteLength(record)).toBe(length);
    }
  });
});
