import { digestOf, MediaTypes, type ArchiveIndex } from "@skopush/archive";
import type { ManifestFamily } from "./image-plan.js";
import type { BuiltManifest } from "./manifest-builder.js";

/**
 * The image index of a multi-platform push, given the manifest pushed for each of its images (in the
 * index's order). The archive's own index is kept byte for byte when every manifest went unchanged and
 * the family is the index's own (same digest as in the archive); otherwise it is kept field for field
 * (platforms, annotations) with each entry's new digest, size and media type, as an OCI index or, for
 * the Docker family, a Docker manifest list.
 */
export const buildIndex = (index: ArchiveIndex, family: ManifestFamily, pushed: ReadonlyArray<BuiltManifest>): BuiltManifest => {
  const indexType = family === "docker" ? MediaTypes.dockerManifestList : MediaTypes.ociIndex;
  const unchanged = pushed.every((manifest, i) => manifest.digest === index.images[i]?.manifest.digest);
  if (unchanged && index.mediaType === indexType) return { bytes: index.bytes, digest: index.digest, mediaType: index.mediaType };
  const byDigest = new Map(index.images.map((image, i) => [image.manifest.digest, pushed[i] as BuiltManifest]));
  const parsed = JSON.parse(Buffer.from(index.bytes).toString("utf8")) as Record<string, unknown>;
  const entries = (parsed["manifests"] as ReadonlyArray<Record<string, unknown>>).map((entry) => {
    const manifest = byDigest.get(entry["digest"] as string);
    return manifest === undefined ? entry : { ...entry, mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
  });
  const bytes = Buffer.from(JSON.stringify({ ...parsed, schemaVersion: 2, mediaType: indexType, manifests: entries }), "utf8");
  return { bytes, digest: digestOf(bytes), mediaType: indexType };
};
