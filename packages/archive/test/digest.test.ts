import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { isPushError } from "@skopush/core";
import { Effect } from "effect";
import { DigestVerifier, digestOf, parseDigest, verifyDigest } from "../src/index.js";
import { archiveInvalid, succeeded } from "./support.js";

const content = Buffer.from("layer bytes ".repeat(1000));
const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
const chunks = () => Readable.from([content.subarray(0, 5000), content.subarray(5000)]);
const sink = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });

describe("parseDigest", () => {
  it("accepts sha256 and sha512 of the right length, in lower case", () => {
    expect(parseDigest(digest)).toEqual({ algorithm: "sha256", hex: digest.slice(7) });
    expect(parseDigest(`sha512:${"a".repeat(128)}`)?.algorithm).toBe("sha512");
    expect(parseDigest(`sha256:${"a".repeat(63)}`)).toBeUndefined();
    expect(parseDigest(`sha256:${"A".repeat(64)}`)).toBeUndefined();
    expect(parseDigest(`md5:${"a".repeat(32)}`)).toBeUndefined();
    expect(parseDigest(`sha256:${"a".repeat(64)}/../x`)).toBeUndefined();
  });

  it("digestOf hashes bytes", () => {
    expect(digestOf(content)).toBe(digest);
    expect(digestOf(content, "sha512")).toBe(`sha512:${createHash("sha512").update(content).digest("hex")}`);
  });
});

describe("verifyDigest", () => {
  it("passes bytes that hash to the expected digest", async () => {
    succeeded(await Effect.runPromiseExit(verifyDigest({ path: "a.tar", label: "layer 0", expected: digest, size: content.length, open: chunks })));
  });

  it("fails with ArchiveInvalid when the bytes lie about their digest", async () => {
    const wrong = `sha256:${"0".repeat(64)}`;
    const error = archiveInvalid(await Effect.runPromiseExit(verifyDigest({ path: "a.tar", label: "layer 0", expected: wrong, open: chunks })));
    expect(error.reason).toBe(`layer 0 content does not match its digest ${wrong} (it hashes to ${digest})`);
  });

  it("fails when the size differs from the descriptor", async () => {
    const error = archiveInvalid(await Effect.runPromiseExit(verifyDigest({ path: "a.tar", label: "layer 0", expected: digest, size: 1, open: chunks })));
    expect(error.reason).toBe(`layer 0 is ${content.length} bytes, not the 1 its descriptor states`);
  });

  it("maps read errors to ArchiveInvalid", async () => {
    const failing = () => new Readable({ read() { this.destroy(Object.assign(new Error("EIO: i/o error"), { code: "EIO" })); } });
    const error = archiveInvalid(await Effect.runPromiseExit(verifyDigest({ path: "a.tar", label: "layer 0", expected: digest, open: failing })));
    expect(error.reason).toMatch(/could not be read while reading layer 0: EIO/);
  });
});

describe("DigestVerifier", () => {
  it("passes bytes through and reports their size", async () => {
    const verifier = new DigestVerifier({ path: "a.tar", label: "layer 0", expected: digest, size: content.length });
    let seen = 0;
    await pipeline(chunks(), verifier, new Writable({ write: (chunk, _e, callback) => ((seen += chunk.length), callback()) }));
    expect(seen).toBe(content.length);
    expect(verifier.size).toBe(content.length);
  });

  it("fails the pipeline at the end with ArchiveInvalid when the digest differs", async () => {
    const verifier = new DigestVerifier({ path: "a.tar", label: "layer 3 (x/layer.tar)", expected: `sha256:${"1".repeat(64)}` });
    const error: unknown = await pipeline(chunks(), verifier, sink()).catch((e: unknown) => e);
    expect(isPushError(error) && error._tag === "ArchiveInvalid" && error.reason).toMatch(/^layer 3 \(x\/layer.tar\) content does not match its digest/);
  });
});
