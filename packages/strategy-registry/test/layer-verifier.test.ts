import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { LayerVerifier, type LayerExpectation } from "../src/layers/layer-verifier.js";

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const tar = randomBytes(300_000);
const gz = gzipSync(tar);

const run = async (input: Buffer, expectation: Omit<LayerExpectation, "path" | "label">) => {
  const verifier = new LayerVerifier({ path: "/tmp/app.tar", label: "layer 0 (x)", ...expectation });
  const received: Buffer[] = [];
  const chunks = function* () {
    for (let at = 0; at < input.length; at += 50_000) yield input.subarray(at, at + 50_000);
  };
  try {
    await pipeline(Readable.from(chunks()), verifier, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) received.push(chunk);
    });
    return { received: Buffer.concat(received), error: undefined, digest: verifier.digest };
  } catch (error) {
    return { received: Buffer.concat(received), error: error as Error & { _tag?: string }, digest: undefined };
  }
};

describe("LayerVerifier", () => {
  it("passes an uncompressed layer through unchanged when it hashes to its diff_id", async () => {
    let counted = 0;
    const result = await run(tar, { compression: "none", diffId: sha256(tar), size: tar.length, onBytes: (n) => (counted += n) });
    expect(result.error).toBeUndefined();
    expect(result.received.equals(tar)).toBe(true);
    expect(result.digest).toBe(sha256(tar));
    expect(counted).toBe(tar.length);
  });

  it("checks a gzip layer's stored digest and its uncompressed diff_id", async () => {
    const ok = await run(gz, { compression: "gzip", diffId: sha256(tar), digest: sha256(gz), size: gz.length });
    expect(ok.error).toBeUndefined();
    expect(ok.received.equals(gz)).toBe(true);
  });

  it("fails a layer that does not match its diff_id, and never lets its last bytes through", async () => {
    const lie = await run(tar, { compression: "none", diffId: sha256(Buffer.from("other")), size: tar.length });
    expect(lie.error?._tag).toBe("ArchiveInvalid");
    expect(lie.error?.message).toContain("does not match its diff_id");
    expect(lie.received.length).toBeLessThan(tar.length);
  });

  it("fails a gzip layer whose stored digest lies, or whose content is not gzip", async () => {
    const digest = await run(gz, { compression: "gzip", diffId: sha256(tar), digest: sha256(tar), size: gz.length });
    expect(digest.error?.message).toContain("does not match its digest");
    const corrupt = await run(tar, { compression: "gzip", diffId: sha256(tar), size: tar.length });
    expect(corrupt.error?.message).toContain("is not valid gzip");
  });

  it("fails a layer of another size than the archive states", async () => {
    const short = await run(tar.subarray(0, 1000), { compression: "none", diffId: sha256(tar.subarray(0, 1000)), size: tar.length });
    expect(short.error?.message).toContain(`is 1000 bytes, not the ${tar.length}`);
  });
});
