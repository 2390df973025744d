import type { ArchiveInvalid, EnvironmentFault } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { ArchiveSummary, ImageArchive, OpenArchiveOptions } from "./image-archive.js";
import { openImageArchive } from "./open-image-archive.js";

/** The summary of an opened archive. */
export const summarize = (archive: ImageArchive): ArchiveSummary => ({
  path: archive.path,
  format: archive.format,
  layout: archive.layout,
  outerCompression: archive.outerCompression,
  repoTags: archive.repoTags,
  refNames: archive.refNames,
  configDigest: archive.config.digest,
  configSize: archive.config.size,
  manifestDigest: archive.manifest?.digest,
  chosenName: archive.chosenName,
  index:
    archive.index === undefined
      ? undefined
      : {
          digest: archive.index.digest,
          images: archive.index.images.map((image) => ({ platform: image.platform, manifestDigest: image.manifest.digest, configDigest: image.config.digest })),
        },
  diffIds: archive.config.diffIds,
  layerCount: archive.layers.length,
  layers: archive.layers.map((layer) => ({
    size: layer.size,
    mediaType: layer.mediaType,
    compression: layer.compression,
    digest: layer.digest,
    diffId: layer.diffId,
  })),
  totalBytes: archive.totalBytes,
});

/**
 * Format, layers and sizes of an archive, for progress and diagnostics; reads headers and JSON only
 * (a gzip-compressed archive is decompressed to a temp file first, and removed).
 */
export const inspectArchive = (path: string, options: OpenArchiveOptions = {}): Effect.Effect<ArchiveSummary, ArchiveInvalid | EnvironmentFault> =>
  Effect.scoped(Effect.map(openImageArchive(path, options), summarize));
