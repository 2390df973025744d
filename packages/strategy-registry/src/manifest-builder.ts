import { digestOf, MediaTypes, type ImageArchive } from "@skopush/archive";
import type { ImagePlan } from "./image-plan.js";

/** A blob as the manifest lists it. */
export interface PushedDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** The manifest to PUT: the exact bytes, their digest and media type. */
export interface BuiltManifest {
  readonly bytes: Uint8Array;
  readonly digest: string;
  readonly mediaType: string;
}

const built = (bytes: Uint8Array, mediaType: string): BuiltManifest => ({ bytes, digest: digestOf(bytes), mediaType });

const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), "utf8");

/**
 * The manifest of a push, given the descriptor pushed for each layer position. An OCI archive's own
 * manifest is kept byte for byte when nothing changed (same digest as in the archive); when layers were
 * compressed it is kept field for field (annotations included) with new descriptors. Otherwise a
 * manifest of the plan's family is written, descriptors in the field order skopeo writes.
 */
export const buildManifest = (archive: ImageArchive, plan: ImagePlan, layers: ReadonlyArray<PushedDescriptor>): BuiltManifest => {
  const config = plan.config;
  if (plan.archiveManifestUsable && archive.manifest !== undefined) return built(archive.manifest.bytes, archive.manifest.mediaType);
  if (plan.family === "oci") {
    const template = ociTemplate(archive);
    const manifest = {
      ...template,
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { ...(template?.["config"] as object | undefined), mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: layers.map((layer, i) => ({
        ...((template?.["layers"] as ReadonlyArray<object> | undefined)?.[i] ?? {}),
        mediaType: layer.mediaType,
        digest: layer.digest,
        size: layer.size,
      })),
    };
    return built(json(manifest), MediaTypes.ociManifest);
  }
  return built(
    json({
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { mediaType: config.mediaType, size: config.size, digest: config.digest },
      layers: layers.map((layer) => ({ mediaType: layer.mediaType, size: layer.size, digest: layer.digest })),
    }),
    MediaTypes.dockerManifest,
  );
};

/** The archive's OCI manifest as an object, when it has one of the same layer count. */
const ociTemplate = (archive: ImageArchive): Record<string, unknown> | undefined => {
  if (archive.manifest?.mediaType !== MediaTypes.ociManifest) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(archive.manifest.bytes).toString("utf8")) as Record<string, unknown>;
    return Array.isArray(parsed["layers"]) && parsed["layers"].length === archive.layers.length ? parsed : undefined;
  } catch {
    return undefined;
  }
};
