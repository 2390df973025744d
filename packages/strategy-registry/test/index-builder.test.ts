import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MediaTypes, type ArchiveIndex, type PlatformImage } from "@skopush/archive";
import { buildIndex } from "../src/index-builder.js";

const digest = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const manifestOf = (name: string) => {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, name }));
  return { bytes, digest: digest(bytes), size: bytes.length, mediaType: MediaTypes.ociManifest };
};

const amd64 = manifestOf("amd64");
const arm64 = manifestOf("arm64");
const indexBytes = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: [
      { mediaType: MediaTypes.ociManifest, digest: amd64.digest, size: amd64.size, platform: { os: "linux", architecture: "amd64" } },
      { mediaType: MediaTypes.ociManifest, digest: arm64.digest, size: arm64.size, platform: { os: "linux", architecture: "arm64" }, annotations: { a: "b" } },
    ],
    annotations: { kept: "yes" },
  }),
);
const index: ArchiveIndex = {
  bytes: indexBytes,
  digest: digest(indexBytes),
  size: indexBytes.length,
  mediaType: MediaTypes.ociIndex,
  images: [amd64, arm64].map((manifest, i) => ({ platform: i === 0 ? "linux/amd64" : "linux/arm64", manifest }) as unknown as PlatformImage),
};

describe("buildIndex", () => {
  it("keeps the archive's index byte for byte when every manifest went unchanged", () => {
    const built = buildIndex(index, "oci", [amd64, arm64]);
    expect(built).toEqual({ bytes: indexBytes, digest: index.digest, mediaType: MediaTypes.ociIndex });
  });

  it("rewrites the entries of changed manifests, keeping platforms and annotations; Docker family gives a manifest list", () => {
    const converted = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.dockerManifest }));
    const changed = { bytes: converted, digest: digest(converted), mediaType: MediaTypes.dockerManifest };
    const built = buildIndex(index, "docker", [{ bytes: amd64.bytes, digest: amd64.digest, mediaType: MediaTypes.dockerManifest }, changed]);
    const json = JSON.parse(Buffer.from(built.bytes).toString("utf8"));
    expect(built.mediaType).toBe(MediaTypes.dockerManifestList);
    expect(built.digest).toBe(digest(built.bytes));
    expect(json.mediaType).toBe(MediaTypes.dockerManifestList);
    expect(json.annotations).toEqual({ kept: "yes" });
    expect(json.manifests[1]).toEqual({ mediaType: MediaTypes.dockerManifest, digest: changed.digest, size: converted.length, platform: { os: "linux", architecture: "arm64" }, annotations: { a: "b" } });
    expect(json.manifests[0].digest).toBe(amd64.digest);
  });
});
