export { openImageArchive, openOptionsOf } from "./open-image-archive.js";
export { namesDestination, type DestinationName } from "./reference-match.js";
export { inspectArchive, summarize } from "./inspect-archive.js";
export type {
  ArchiveConfig,
  ArchiveIndex,
  ArchiveLayer,
  ArchiveLayout,
  ArchiveManifest,
  ArchiveSelector,
  ArchiveSummary,
  ImageArchive,
  LayerReadOptions,
  OpenArchiveOptions,
  PlatformImage,
} from "./image-archive.js";
export { DigestVerifier, digestOf, digestStream, parseDigest, verifyDigest, type DigestAlgorithm, type DigestExpectation, type ParsedDigest } from "./digest.js";
export { ARCHIVE_TEMP_BASE, sniffCompression, type Compression } from "./compression.js";
export { isImageConfig, isImageIndex, isImageManifest, layerCompressionOf, layerMediaTypeOf, MediaTypes, type LayerCompression } from "./media-types.js";
export type { Platform } from "./json-shape.js";
export { MAX_EXTENSION_HEADER_BYTES, MAX_INDEX_DEPTH, MAX_JSON_BYTES, MAX_LINK_HOPS, MAX_TAR_ENTRIES } from "./limits.js";
export { formatBytes } from "./wording.js";
export {
  currentOwner,
  ownedPrefix,
  ownerIsGone,
  ownerOf,
  reapDeadTempDirectories,
  reapDeadTempDirectoriesOnce,
  type TempDirectoryOwner,
} from "./owned-temp-directory.js";
export { readTarStream, type StreamedTarFile, type TarStreamOptions } from "./tar-stream-reader.js";
