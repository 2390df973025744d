import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { AdaptiveGzip, sampledEntropy, storedBlocks } from "../src/layers/adaptive-gzip.js";
import { Permits } from "../src/layers/permits.js";

const text = (size: number, seed = 1): Buffer => {
  const words = "the of and layer image blob digest manifest registry harbor push pull tag config rootfs".split(" ");
  const out: string[] = [];
  let x = seed;
  let length = 0;
  while (length < size) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const word = words[x % words.length] as string;
    out.push(word);
    length += word.length + 1;
  }
  return Buffer.from(out.join(" ")).subarray(0, size);
};

const gzipOf = async (input: Buffer, options: ConstructorParameters<typeof AdaptiveGzip>[0] = { level: 6, threads: 4 }, chunk = 65536) => {
  const gzip = new AdaptiveGzip(options);
  const parts: Buffer[] = [];
  const chunks = function* () {
    for (let at = 0; at < input.length; at += chunk) yield input.subarray(at, at + chunk);
  };
  await pipeline(Readable.from(chunks()), gzip, async (source: AsyncIterable<Buffer>) => {
    for await (const part of source) parts.push(part);
  });
  return { output: Buffer.concat(parts), stats: gzip.stats };
};

describe("AdaptiveGzip", () => {
  it("round-trips text, random and mixed data through gunzip, bit for bit", async () => {
    const mixed = Buffer.concat([text(300_000), randomBytes(700_000), text(1_500_000, 7), randomBytes(123_457)]);
    for (const input of [Buffer.alloc(0), Buffer.from("x"), text(5 * 1024 * 1024), randomBytes(3 * 1024 * 1024 + 17), mixed]) {
      const { output, stats } = await gzipOf(input);
      expect(gunzipSync(output).equals(input)).toBe(true);
      expect(stats.inputBytes).toBe(input.length);
      expect(stats.outputBytes).toBe(output.length);
    }
  });

  it("stores random data instead of deflating it, and deflates text", async () => {
    const random = await gzipOf(randomBytes(2 * 1024 * 1024));
    expect(random.stats.deflatedBytes).toBe(0);
    expect(random.output.length).toBeLessThan(2 * 1024 * 1024 * 1.001 + 64);
    const words = await gzipOf(text(2 * 1024 * 1024));
    expect(words.stats.deflatedBytes).toBe(2 * 1024 * 1024);
    expect(words.output.length).toBeLessThan(1024 * 1024);
  });

  it("is deterministic whatever the input chunking and thread count", async () => {
    const input = Buffer.concat([text(1_000_000), randomBytes(2_000_000), text(777_777, 3)]);
    const a = await gzipOf(input, { level: 6, threads: 1 }, 4096);
    const b = await gzipOf(input, { level: 6, threads: 8 }, 1 << 20);
    expect(createHash("sha256").update(a.output).digest("hex")).toBe(createHash("sha256").update(b.output).digest("hex"));
  });

  it("writes a stream the gzip command accepts", async () => {
    const input = Buffer.concat([text(400_000), randomBytes(400_000)]);
    const { output } = await gzipOf(input);
    expect(execFileSync("gzip", ["-dc"], { input: output }).equals(input)).toBe(true);
  });

  it("estimates entropy: random near 8 bits, text far below", () => {
    expect(sampledEntropy(randomBytes(65536))).toBeGreaterThan(7.8);
    expect(sampledEntropy(text(65536))).toBeLessThan(5);
    expect(sampledEntropy(Buffer.alloc(65536))).toBe(0);
  });

  it("splits stored blocks at 65535 bytes", () => {
    const blocks = storedBlocks(Buffer.alloc(65535 * 2 + 1));
    expect(blocks.map((b) => b.length)).toEqual([5, 65535, 5, 65535, 5, 1]);
  });

  it("shares a small permit budget between streams without starving or deadlocking", async () => {
    const permits = new Permits(1);
    const inputs = [text(3_000_000, 11), randomBytes(2_500_000), Buffer.concat([text(700_000, 5), randomBytes(900_000)])];
    const outputs = await Promise.all(inputs.map((input) => gzipOf(input, { level: 1, threads: 2, permits }, 100_000)));
    outputs.forEach(({ output }, i) => expect(gunzipSync(output).equals(inputs[i] as Buffer)).toBe(true));
    // Every permit came back: one can be taken at once.
    expect(permits.tryAcquire()).toBe(true);
  });

  it("gives its permits back when destroyed mid-stream, so a retry can compress", async () => {
    const permits = new Permits(2);
    const gzip = new AdaptiveGzip({ level: 1, threads: 2, permits, blockSize: 65536 });
    gzip.on("error", () => undefined);
    gzip.write(text(400_000));
    await new Promise((resolve) => setTimeout(resolve, 5));
    gzip.destroy(new Error("the upload broke"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await gzipOf(text(300_000, 9), { level: 1, threads: 2, permits, blockSize: 65536 });
    expect(gunzipSync(again.output).equals(text(300_000, 9))).toBe(true);
    expect(permits.tryAcquire() && permits.tryAcquire()).toBe(true);
  });
});
