import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { ImageReference, InvalidReference, parseRegistryEndpoint, type ReferencePart } from "@skopush/core";

const DIGEST = `sha256:${"a".repeat(64)}`;

const valid: ReadonlyArray<[input: string, registry: string, repository: string, tag?: string, digest?: string]> = [
  ["harbor.example.com/proj/app:v1", "harbor.example.com", "proj/app", "v1"],
  ["harbor.example.com:8443/proj/app:1.0.0", "harbor.example.com:8443", "proj/app", "1.0.0"],
  ["127.0.0.1:5000/proj/app", "127.0.0.1:5000", "proj/app"],
  ["localhost/app:latest", "localhost", "app", "latest"],
  ["localhost:5000/team/sub/app:_underscore", "localhost:5000", "team/sub/app", "_underscore"],
  ["[::1]:5000/proj/app:v1", "[::1]:5000", "proj/app", "v1"],
  ["registry.example.com/a.b_c__d-e---f/app", "registry.example.com", "a.b_c__d-e---f/app"],
  ["ubuntu", "docker.io", "library/ubuntu"],
  ["ubuntu:22.04", "docker.io", "library/ubuntu", "22.04"],
  ["someone/app:v2", "docker.io", "someone/app", "v2"],
  ["index.docker.io/someone/app", "docker.io", "someone/app"],
  [`harbor.example.com/proj/app@${DIGEST}`, "harbor.example.com", "proj/app", undefined, DIGEST],
  [`harbor.example.com/proj/app:v1@${DIGEST}`, "harbor.example.com", "proj/app", "v1", DIGEST],
  [`h.example.com/p/a:${"t".repeat(128)}`, "h.example.com", "p/a", "t".repeat(128)],
  ["Harbor.Example.com/proj/app:V1", "Harbor.Example.com", "proj/app", "V1"],
];

const invalid: ReadonlyArray<[input: string, part: ReferencePart, mentions: string]> = [
  ["", "reference", "empty"],
  ["harbor.example.com/Proj/app:v1", "repository", "lowercase"],
  ["harbor.example.com/proj/App", "repository", "lowercase"],
  ["harbor.example.com//app:v1", "repository", "empty path component"],
  ["harbor.example.com/proj/app/:v1", "repository", "empty path component"],
  ["harbor.example.com/proj/my app:v1", "repository", "whitespace"],
  ["harbor.example.com/proj/app:v 1", "tag", "whitespace"],
  [" harbor.example.com/proj/app", "registry", "whitespace"],
  ["harbor.example.com/proj/app:-v1", "tag", "must start"],
  ["harbor.example.com/proj/app:.v1", "tag", "must start"],
  [`harbor.example.com/proj/app:${"t".repeat(129)}`, "tag", "limit is 128"],
  ["harbor.example.com/proj/app:", "tag", "empty"],
  ["harbor.example.com/proj/app:v1+x", "tag", "may only contain"],
  ["harbor.example.com/proj/app@sha256:abc", "digest", "sha256:<64 hex"],
  [`harbor.example.com/proj/app@sha256:${"a".repeat(63)}`, "digest", "needs 64"],
  [`harbor.example.com/proj/app@md5:${"a".repeat(32)}`, "digest", "unsupported algorithm"],
  ["harbor.example.com/proj/app@", "digest", "empty"],
  ["harbor.example.com:0/proj/app", "registry", "invalid port"],
  ["harbor.example.com:99999/proj/app", "registry", "invalid port"],
  ["harbor_example.com/proj/app", "registry", "invalid character"],
  ["-harbor.example.com/proj/app", "registry", "invalid character"],
  ["harbor..example.com/proj/app", "registry", "empty label"],
  ["harbor.example.com/proj/a--b_", "repository", "separated by"],
  ["harbor.example.com/proj/app$", "repository", "separated by"],
  [`harbor.example.com/${"a".repeat(64).replace(/a/g, "b")}`, "repository", "hex"],
  [`harbor.example.com/proj/${"a".repeat(250)}`, "repository", "longer than 255"],
  ["harbor.example.com/proj/app\n:v1", "reference", "control character"],
  ["harbor.example.com/proj/app;rm -rf /", "repository", "whitespace"],
  ["harbor.example.com/proj/app:v1;reboot", "tag", "may only contain"],
];

describe("ImageReference.parse", () => {
  it.each(valid)("accepts %s", (input, registry, repository, tag, digest) => {
    const ref = ImageReference.parseOrThrow(input);
    expect({ registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: ref.digest }).toEqual({
      registry,
      repository,
      tag,
      digest,
    });
  });

  it.each(invalid)("rejects %j in its %s", (input, part, mentions) => {
    const exit = Effect.runSyncExit(ImageReference.parse(input));
    expect(Exit.isFailure(exit)).toBe(true);
    const error = (() => {
      try {
        ImageReference.parseOrThrow(input);
      } catch (e) {
        return e;
      }
      throw new Error("parseOrThrow accepted invalid input");
    })();
    expect(error).toBeInstanceOf(InvalidReference);
    expect((error as InvalidReference)._tag).toBe("InvalidReference");
    expect((error as InvalidReference).part).toBe(part);
    expect((error as InvalidReference).message).toContain(mentions);
    expect((error as InvalidReference).message).toMatch(/\. Fix: (?:write|use) /);
  });

  it("round-trips through toString", () => {
    for (const [input] of valid) {
      const ref = ImageReference.parseOrThrow(input);
      expect(ImageReference.parseOrThrow(ref.toString()).toString()).toBe(ref.toString());
    }
  });

  it("names the manifest reference: digest first, then tag, then latest", () => {
    expect(ImageReference.parseOrThrow(`h.io/p/a:v1@${DIGEST}`).manifestReference).toBe(DIGEST);
    expect(ImageReference.parseOrThrow("h.io/p/a:v1").manifestReference).toBe("v1");
    expect(ImageReference.parseOrThrow("h.io/p/a").manifestReference).toBe("latest");
  });
});

describe("parseRegistryEndpoint", () => {
  it("reads the scheme of a registry endpoint", () => {
    expect(parseRegistryEndpoint("http://127.0.0.1:5000")).toEqual({ host: "127.0.0.1:5000", scheme: "http" });
    expect(parseRegistryEndpoint("harbor.example.com")).toEqual({ host: "harbor.example.com", scheme: "https" });
  });
});
