import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FormCheck } from "../src/layers/remote-layer-check.js";

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** Streams `blob` in small chunks through a check of whether it is a gzip of `layer`. */
const check = async (blob: Buffer, layer: Buffer, claimed = { digest: sha256(blob), size: blob.length }, uncompressedSize: number | undefined = layer.length) => {
  const sink = new FormCheck(claimed, { diffId: sha256(layer), uncompressedSize });
  const chunks = Array.from({ length: Math.ceil(blob.length / 4096) }, (_, i) => blob.subarray(i * 4096, (i + 1) * 4096));
  await pipeline(Readable.from(chunks), sink);
  return sink.matches;
};

describe("FormCheck: is this blob a gzip of our layer?", () => {
  const layer = Buffer.concat([Buffer.from("tar bytes "), randomBytes(200 << 10)]);

  it("yes for a gzip of the layer, at any level, whether the layer's size is known or not", async () => {
    expect(await check(gzipSync(layer, { level: 1 }), layer)).toBe(true);
    expect(await check(gzipSync(layer, { level: 9 }), layer, undefined, undefined)).toBe(true);
  });

  it("no for another layer's gzip, a blob that is not its claimed digest or size, or not gzip at all", async () => {
    const other = gzipSync(randomBytes(200 << 10));
    expect(await check(other, layer)).toBe(false);
    const gz = gzipSync(layer);
    expect(await check(gz, layer, { digest: sha256(Buffer.from("x")), size: gz.length })).toBe(false);
    expect(await check(gz, layer, { digest: sha256(gz), size: gz.length - 1 })).toBe(false);
    expect(await check(layer, layer)).toBe(false);
  });

  it("no, without decompressing it all, for a gzip that expands past the layer's size (a bomb)", async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20));
    expect(await check(bomb, layer)).toBe(false);
  });

  it("no for a gzip of the layer followed by bytes Node's gunzip skips (zero padding): Go's gzip, which pulls use, fails on them", async () => {
    const gz = gzipSync(layer);
    expect(await check(Buffer.concat([gz, Buffer.alloc(4)]), layer)).toBe(false);
    expect(await check(Buffer.concat([gz, Buffer.alloc(1)]), layer)).toBe(false);
  });
});
