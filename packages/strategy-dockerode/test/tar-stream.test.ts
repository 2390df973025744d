import { execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tarHeader, tarStream } from "../src/tar-stream.js";

describe("tarStream", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "skopush-tar-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes what GNU tar extracts: directories, buffers and streamed files, with their modes", async () => {
    const big = join(dir, "big.bin");
    writeFileSync(big, Buffer.alloc(1_000_003, 9));
    let streamed = 0;
    const out = join(dir, "out.tar");
    await pipeline(
      tarStream(
        [
          { type: "directory", name: "skopush-abc", mode: 0o700 },
          { type: "directory", name: "skopush-abc/ws", mode: 0o700 },
          { type: "file", name: "skopush-abc/ws/auth.json", mode: 0o600, content: Buffer.from('{"auths":{}}') },
          { type: "file", name: "skopush-abc/archive.tar", mode: 0o644, path: big, size: 1_000_003 },
          { type: "file", name: `skopush-abc/${"n".repeat(90)}/${"m".repeat(90)}`, mode: 0o644, content: Buffer.from("long") },
        ],
        (bytes) => (streamed += bytes),
      ),
      createWriteStream(out),
    );
    expect(streamed).toBe(1_000_003);
    const target = join(dir, "x");
    mkdirSync(target);
    execFileSync("tar", ["-xpf", out, "-C", target]);
    expect(statSync(join(target, "skopush-abc")).mode & 0o777).toBe(0o700);
    expect(statSync(join(target, "skopush-abc/ws/auth.json")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(target, "skopush-abc/ws/auth.json"), "utf8")).toBe('{"auths":{}}');
    expect(readFileSync(join(target, "skopush-abc/archive.tar")).equals(readFileSync(big))).toBe(true);
    expect(readFileSync(join(target, `skopush-abc/${"n".repeat(90)}/${"m".repeat(90)}`), "utf8")).toBe("long");
  });

  it("encodes sizes of 8 GiB and more in base-256", () => {
    const header = tarHeader("a", "0", 0o644, 2 ** 33 + 5);
    expect(header[124]).toBe(0x80);
    expect(header.readUIntBE(130, 6)).toBe(2 ** 33 + 5);
  });
});
