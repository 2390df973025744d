import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheDirectory, cacheProfile, compileCache } from "../../src/launcher/compile-cache.js";

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "skopush-compile-cache-"));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const cacheIn = (directory: string, profile = "push") => compileCache({ env: { SKOPUSH_COMPILE_CACHE: directory }, payloadId: "abc123", profile });

describe("compileCache", () => {
  it("writes the data privately (0700 directory, 0600 file) and reads it back", () => {
    const directory = join(base, "cache");
    const cache = cacheIn(directory);
    expect(cache.read()).toBeUndefined();
    cache.write(Buffer.from("compiled"));
    expect(cache.read()?.toString()).toBe("compiled");
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(statSync(cache.path ?? "").mode & 0o777).toBe(0o600);
    expect(readdirSync(directory)).toEqual([`abc123-${process.version}-${process.arch}-push.v8`]);
  });

  it("keeps one file per Node version and profile, and only the latest build's", () => {
    const directory = join(base, "cache");
    const older = compileCache({ env: { SKOPUSH_COMPILE_CACHE: directory }, payloadId: "older", profile: "push" });
    older.write(Buffer.from("old"));
    cacheIn(directory, "push").write(Buffer.from("a"));
    cacheIn(directory, "doctor").write(Buffer.from("b"));
    expect(cacheIn(directory, "push").read()?.toString()).toBe("a");
    expect(cacheIn(directory, "doctor").read()?.toString()).toBe("b");
    expect(older.read()).toBeUndefined();
    expect(readdirSync(directory).sort()).toEqual([`abc123-${process.version}-${process.arch}-doctor.v8`, `abc123-${process.version}-${process.arch}-push.v8`]);
  });

  it("does not hand back data damaged on disk (V8 checks only the header: a flipped byte in the body crashes it)", () => {
    const cache = cacheIn(join(base, "cache"));
    cache.write(Buffer.alloc(4096, 7));
    const path = cache.path ?? "";
    const stored = readFileSync(path);
    stored.writeUInt8(stored.readUInt8(stored.length - 100) ^ 0xff, stored.length - 100);
    writeFileSync(path, stored);
    expect(cache.read()).toBeUndefined();
  });

  it("does not trust a file others can write to", () => {
    const cache = cacheIn(join(base, "cache"));
    cache.write(Buffer.from("compiled"));
    chmodSync(cache.path ?? "", 0o666);
    expect(cache.read()).toBeUndefined();
  });

  it("does not trust, nor write into, a directory others can write to", () => {
    const directory = join(base, "shared");
    mkdirSync(directory, { mode: 0o777 });
    chmodSync(directory, 0o777);
    writeFileSync(join(directory, `abc123-${process.version}-${process.arch}-push.v8`), "planted", { mode: 0o600 });
    const cache = cacheIn(directory);
    expect(cache.read()).toBeUndefined();
    cache.write(Buffer.from("compiled"));
    expect(readdirSync(directory)).toEqual([`abc123-${process.version}-${process.arch}-push.v8`]);
  });

  it("does not trust a file of another user", () => {
    const cache = compileCache({ env: { SKOPUSH_COMPILE_CACHE: join(base, "cache") }, payloadId: "abc123", profile: "push", uid: 12345 });
    cache.write(Buffer.from("compiled"));
    expect(cache.read()).toBeUndefined();
  });

  it("ignores a directory it cannot create, leaving nothing behind", () => {
    writeFileSync(join(base, "file"), "");
    const cache = cacheIn(join(base, "file", "cache"));
    cache.write(Buffer.from("compiled"));
    expect(cache.read()).toBeUndefined();
    expect(readdirSync(base)).toEqual(["file"]);
  });

  it("is off with SKOPUSH_COMPILE_CACHE=off", () => {
    const cache = compileCache({ env: { SKOPUSH_COMPILE_CACHE: "off", HOME: base }, payloadId: "abc123", profile: "push" });
    expect(cache.path).toBeUndefined();
    cache.write(Buffer.from("compiled"));
    expect(readdirSync(base)).toEqual([]);
  });
});

describe("cacheDirectory", () => {
  it("is $XDG_CACHE_HOME/skopush/compile-cache, else ~/.cache/skopush/compile-cache", () => {
    expect(cacheDirectory({ XDG_CACHE_HOME: "/x/cache" })).toBe("/x/cache/skopush/compile-cache");
    expect(cacheDirectory({})).toMatch(/\/\.cache\/skopush\/compile-cache$/);
    expect(cacheDirectory({ SKOPUSH_COMPILE_CACHE: "/elsewhere" })).toBe("/elsewhere");
  });
});

describe("cacheProfile", () => {
  it("separates the commands, a push's strategies, and help", () => {
    expect(cacheProfile(["push", "a.tar", "h/p/r:1"])).toBe("push");
    expect(cacheProfile(["push", "a.tar", "h/p/r:1", "--strategy", "native"])).toBe("push-native");
    expect(cacheProfile(["push", "--strategy=registry", "a.tar"])).toBe("push-registry");
    expect(cacheProfile(["push", "--help"])).toBe("other");
    expect(cacheProfile(["doctor"])).toBe("doctor");
    expect(cacheProfile(["service", "status"])).toBe("service");
    expect(cacheProfile(["completion", "bash"])).toBe("other");
  });
});
