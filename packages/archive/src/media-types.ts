/** Media types of image manifests, indexes, configs and layers (OCI and Docker schema 2). */
export const MediaTypes = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

/** How a layer blob is stored. */
export type LayerCompression = "none" | "gzip" | "zstd";

const LAYER_COMPRESSION: Readonly<Record<string, LayerCompression>> = {
  [MediaTypes.ociLayer]: "none",
  [MediaTypes.ociLayerGzip]: "gzip",
  [MediaTypes.ociLayerZstd]: "zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar": "none",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": "zstd",
  [MediaTypes.dockerLayer]: "none",
  [MediaTypes.dockerLayerGzip]: "gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "gzip",
};

/** The compression a layer media type announces; `undefined` for a media type that is not a layer's. */
export const layerCompressionOf = (mediaType: string): LayerCompression | undefined => LAYER_COMPRESSION[mediaType];

/** True for image manifest media types. */
export const isImageManifest = (mediaType: string): boolean =>
  mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.dockerManifest;

/** True for image index (manifest list) media types. */
export const isImageIndex = (mediaType: string): boolean =>
  mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;

/** True for image config media types. */
export const isImageConfig = (mediaType: string): boolean =>
  mediaType === MediaTypes.ociConfig || mediaType === MediaTypes.dockerConfig;

/** The layer media type of a family for a compression. */
export const layerMediaTypeOf = (family: "docker" | "oci", compression: LayerCompression): string => {
  if (compression === "zstd") return MediaTypes.ociLayerZstd; // Docker schema 2 has no zstd type
  if (family === "docker") return compression === "gzip" ? MediaTypes.dockerLayerGzip : MediaTypes.dockerLayer;
  return compression === "gzip" ? MediaTypes.ociLayerGzip : MediaTypes.ociLayer;
};
