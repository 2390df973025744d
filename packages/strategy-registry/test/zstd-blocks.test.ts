import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { ZstdBlocks } from "../src/layers/zstd-blocks.js";
import { nodeHasZstd, zstdSource } from "../src/layers/zstd-codec.js";

const text = (size: number): Buffer => Buffer.from("layer image blob digest manifest registry harbor push ".repeat(Math.ceil(size / 54))).subarray(0, size);

const zstdOf = async (input: Buffer, threads = 4, chunk = 65536): Promise<Buffer> => {
  const zstd = new ZstdBlocks({ level: 3, threads });
  const parts: Buffer[] = [];
  const chunks = function* () {
    for (let at = 0; at < input.length; at += chunk) yield input.subarray(at, at + chunk);
  };
  await pipeline(Readable.from(chunks()), zstd, async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) parts.push(part);
  });
  expect(zstd.stats).toEqual({ inputBytes: input.length, outputBytes: parts.reduce((n, p) => n + p.length, 0) });
  return Buffer.concat(parts);
};

// zstd(1), the reference decoder, reads the concatenated frames as one stream.
const unzstd = (data: Buffer): Buffer => execFileSync("zstd", ["-d", "-c", "-q"], { input: data, maxBuffer: 64 << 20 });

describe("ZstdBlocks", () => {
  it(`round-trips empty, text, random and mixed data through zstd -d (zstd from ${zstdSource()})`, async () => {
    for (const input of [Buffer.alloc(0), Buffer.from("x"), text(3 << 20), randomBytes((2 << 20) + 17), Buffer.concat([text(700_000), randomBytes(900_001)])]) {
      const output = await zstdOf(input);
      expect(output.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe(true);
      expect(unzstd(output).equals(input)).toBe(true);
    }
  });

  it("compresses text and keeps random data near its size", async () => {
    expect((await zstdOf(text(2 << 20))).length).toBeLessThan(64 << 10);
    expect((await zstdOf(randomBytes(2 << 20))).length).toBeLessThan((2 << 20) * 1.001 + 256);
  });

  it("is deterministic whatever the input chunking and thread count", async () => {
    const input = Buffer.concat([text(1_000_000), randomBytes(2_000_000), text(777_777)]);
    const a = await zstdOf(input, 1, 4096);
    const b = await zstdOf(input, 8, 1 << 20);
    expect(createHash("sha256").update(a).digest("hex")).toBe(createHash("sha256").update(b).digest("hex"));
  });

  it("uses Node's zstd exactly where this runtime has one", () => {
    expect(zstdSource()).toBe(nodeHasZstd() ? "node:zlib" : "@bokuweb/zstd-wasm");
    expect(nodeHasZstd()).toBe(Number(process.versions.node.split(".")[0]) >= 23 || /^22\.(1[5-9]|[2-9]\d)\./.test(process.versions.node));
  });
});
