import * as zlib from "node:zlib";
import { layerMediaTypeOf, MediaTypes, type ArchiveLayer, type ImageArchive } from "@skopush/archive";
import { StrategyFailed, type LayerCompressionChoice, type ManifestFormat } from "@skopush/core";

/** The manifest family pushed: Docker schema 2 or OCI. Never mixed within one manifest. */
export type ManifestFamily = "docker" | "oci";

/** How a layer's bytes reach the registry. */
export type LayerMode =
  /** Stored compressed: sent byte for byte. */
  | "as-is"
  /** Stored uncompressed: compressed on the way (with the blob's {@link LayerBlob.codec}). */
  | "compress"
  /** Stored zstd but the manifest family has no zstd type: decompressed and gzip-compressed on the way. */
  | "transcode";

/** One distinct layer blob of the push; a layer listed twice in the image is one blob. */
export interface LayerBlob {
  readonly layer: ArchiveLayer;
  /** Positions in the manifest's `layers`. */
  readonly positions: ReadonlyArray<number>;
  readonly mode: LayerMode;
  /** The media type in the pushed manifest. */
  readonly mediaType: string;
  /** The pushed digest when known before sending: as-is layers (an uncompressed one's is its diff_id). */
  readonly digest: string | undefined;
  /** How a `compress` or `transcode` layer is compressed on the way. */
  readonly codec: "gzip" | "zstd" | undefined;
}

/** What will be pushed: the config, the distinct layers, and the manifest family. */
export interface ImagePlan {
  readonly family: ManifestFamily;
  /** What layers stored uncompressed are sent as. */
  readonly compression: LayerCompressionChoice;
  readonly config: { readonly bytes: Uint8Array; readonly digest: string; readonly size: number; readonly mediaType: string };
  readonly layers: ReadonlyArray<LayerBlob>;
  readonly layerCount: number;
  /** True when every layer goes as-is under the media type the archive's own OCI manifest gives it. */
  readonly archiveManifestUsable: boolean;
}

const DOCKER_CONFIG = MediaTypes.dockerConfig;
const OCI_CONFIG = MediaTypes.ociConfig;
const FOREIGN_DOCKER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
const NONDISTRIBUTABLE_OCI_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

/** True when this Node can decompress zstd (22.15+, 23.8+). */
export const canDecompressZstd = (): boolean => typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === "function";

const configMediaType = (family: ManifestFamily, stored: string): string => {
  if (stored === DOCKER_CONFIG || stored === OCI_CONFIG) return family === "docker" ? DOCKER_CONFIG : OCI_CONFIG;
  return stored; // an artifact's own config type stays
};

const layerMediaType = (family: ManifestFamily, layer: ArchiveLayer, mode: LayerMode, codec: "gzip" | "zstd" | undefined): string => {
  const foreign = layer.mediaType === FOREIGN_DOCKER || layer.mediaType.includes(".nondistributable.");
  if (mode === "as-is" && layer.compression === "none") return layerMediaTypeOf(family, "none");
  if (codec === "zstd") return MediaTypes.ociLayerZstd;
  if (family === "docker") return foreign && mode === "as-is" ? FOREIGN_DOCKER : MediaTypes.dockerLayerGzip;
  if (mode === "as-is" && layer.compression === "zstd") return layer.mediaType.includes(".nondistributable.") ? layer.mediaType : MediaTypes.ociLayerZstd;
  if (foreign && mode === "as-is") return NONDISTRIBUTABLE_OCI_GZIP;
  return MediaTypes.ociLayerGzip;
};

/**
 * Decides what a push of `archive` sends: Docker schema 2 for docker-archives and OCI for OCI sources
 * (as skopeo does), unless `format` forces one; which layers go as they are and which are compressed.
 * `compression` says what layers stored uncompressed become: gzip, zstd (which needs an OCI manifest, so
 * it makes the push OCI unless `format` asks for Docker's, which is refused) or nothing (sent as they
 * are, under the uncompressed media type). Layers stored compressed go as they are.
 * Fails with `StrategyFailed` for a zstd layer that a Docker manifest cannot carry on a Node without zstd.
 */
export const planImage = (
  archive: ImageArchive,
  format: ManifestFormat | undefined,
  compression: LayerCompressionChoice = "gzip",
): ImagePlan | StrategyFailed => {
  if (compression === "zstd" && format === "v2s2") {
    return new StrategyFailed({
      strategy: "registry",
      reason: 'zstd layers need an OCI manifest, and the push asks for Docker schema 2 (manifest format "v2s2"); choose gzip or the OCI format',
    });
  }
  const family: ManifestFamily =
    format === "v2s2" ? "docker" : format === "oci" || compression === "zstd" ? "oci" : archive.format === "docker-archive" ? "docker" : "oci";
  const byKey = new Map<string, { layer: ArchiveLayer; positions: number[]; mode: LayerMode; mediaType: string; digest: string | undefined; codec: "gzip" | "zstd" | undefined }>();
  for (const layer of archive.layers) {
    let mode: LayerMode = layer.compression === "none" && compression !== "none" ? "compress" : "as-is";
    if (layer.compression === "zstd" && family === "docker") {
      if (!canDecompressZstd()) {
        return new StrategyFailed({
          strategy: "registry",
          reason: `layer ${layer.index} is zstd-compressed, which a Docker schema 2 manifest cannot describe, and Node ${process.version} cannot decompress zstd to recompress it (Node 22.15+ can); push it as OCI (manifest format "oci")`,
        });
      }
      mode = "transcode";
    }
    const digest = mode !== "as-is" ? undefined : layer.compression === "none" ? (layer.digest ?? layer.diffId) : layer.digest;
    const key = `${mode}:${mode === "as-is" ? (digest ?? layer.name) : layer.diffId}`;
    const known = byKey.get(key);
    if (known) known.positions.push(layer.index);
    else {
      const codec = mode === "compress" ? (compression === "zstd" ? "zstd" : "gzip") : mode === "transcode" ? "gzip" : undefined;
      byKey.set(key, { layer, positions: [layer.index], mode, mediaType: layerMediaType(family, layer, mode, codec), digest, codec });
    }
  }
  const layers = [...byKey.values()];
  const config = { bytes: archive.config.bytes, digest: archive.config.digest, size: archive.config.size, mediaType: configMediaType(family, archive.config.mediaType) };
  const archiveManifestUsable =
    family === "oci" &&
    archive.manifest !== undefined &&
    archive.manifest.mediaType === MediaTypes.ociManifest &&
    config.mediaType === archive.config.mediaType &&
    layers.every((blob) => blob.mode === "as-is" && blob.mediaType === blob.layer.mediaType && blob.layer.digest !== undefined);
  return { family, compression, config, layers, layerCount: archive.layers.length, archiveManifestUsable };
};
