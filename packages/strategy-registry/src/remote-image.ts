import { digestOf, MediaTypes } from "@skopush/archive";
import * as Effect from "effect/Effect";
import type { PushedDescriptor } from "./manifest-builder.js";
import type { RegistryClient } from "@skopush/registry-client";

/** The manifest a destination tag points at now, when it is a single image. */
export interface RemoteManifest {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly mediaType: string;
  readonly configDigest: string;
  readonly layers: ReadonlyArray<PushedDescriptor>;
}

/** What the destination already holds that this push can reuse. */
export interface RemoteImage {
  readonly manifest: RemoteManifest | undefined;
  /** diff_id → gzip and zstd descriptors the registry's image says decompress to it. */
  readonly byDiffId: ReadonlyMap<string, ReadonlyArray<PushedDescriptor>>;
}

/** Nothing known. */
export const NO_REMOTE_IMAGE: RemoteImage = { manifest: undefined, byDiffId: new Map() };

const MAX_DOCUMENT = 4 * 1024 * 1024;
const ACCEPT = [MediaTypes.dockerManifest, MediaTypes.ociManifest, MediaTypes.dockerManifestList, MediaTypes.ociIndex].join(", ");
const COMPRESSED_LAYERS = new Set<string>([MediaTypes.dockerLayerGzip, MediaTypes.ociLayerGzip, MediaTypes.ociLayerZstd]);

const parse = (bytes: Buffer): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(bytes.toString("utf8")) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

const descriptor = (value: unknown): PushedDescriptor | undefined => {
  const d = value as { mediaType?: unknown; digest?: unknown; size?: unknown } | undefined;
  return typeof d?.mediaType === "string" && typeof d.digest === "string" && /^sha256:[0-9a-f]{64}$/.test(d.digest) && typeof d.size === "number"
    ? { mediaType: d.mediaType, digest: d.digest, size: d.size }
    : undefined;
};

/**
 * Reads the manifest `reference` points at in `repository` and, unless its config is ours, that
 * config's `rootfs.diff_ids`, to map our layers (by diff_id) to gzip and zstd blobs the registry already holds:
 * a re-push of the same image, pushed by any tool, then compresses and uploads nothing, and a new
 * version of an image reuses its unchanged layers. Best effort: any failure means nothing is known.
 */
export const discoverRemoteImage = (
  client: RegistryClient,
  repository: string,
  reference: string,
  configDigest: string,
  diffIds: ReadonlyArray<string>,
): Effect.Effect<RemoteImage> =>
  Effect.gen(function* () {
    const response = yield* client.call({
      operation: "manifest-read",
      method: "GET",
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { accept: ACCEPT },
      maxResponseBytes: MAX_DOCUMENT,
    });
    if (response.status !== 200) return NO_REMOTE_IMAGE;
    const json = parse(response.body);
    const mediaType = String(response.headers["content-type"] ?? json?.["mediaType"] ?? "").split(";")[0]?.trim() ?? "";
    if (json === undefined || (mediaType !== MediaTypes.dockerManifest && mediaType !== MediaTypes.ociManifest)) return NO_REMOTE_IMAGE;
    const config = descriptor(json["config"]);
    const layers = Array.isArray(json["layers"]) ? json["layers"].map(descriptor) : [];
    if (config === undefined || layers.some((l) => l === undefined)) return NO_REMOTE_IMAGE;
    const manifest: RemoteManifest = {
      bytes: response.body,
      digest: digestOf(response.body),
      mediaType,
      configDigest: config.digest,
      layers: layers as PushedDescriptor[],
    };
    const theirDiffIds = config.digest === configDigest ? diffIds : yield* readDiffIds(client, repository, config.digest);
    const byDiffId = new Map<string, PushedDescriptor[]>();
    if (theirDiffIds !== undefined && theirDiffIds.length === manifest.layers.length) {
      manifest.layers.forEach((layer, i) => {
        const diffId = theirDiffIds[i] as string;
        if (!COMPRESSED_LAYERS.has(layer.mediaType)) return;
        byDiffId.set(diffId, [...(byDiffId.get(diffId) ?? []), layer]);
      });
    }
    return { manifest, byDiffId };
  }).pipe(Effect.orElseSucceed(() => NO_REMOTE_IMAGE));

/** The `rootfs.diff_ids` of a config blob, checked against its digest; undefined when unreadable. */
const readDiffIds = (client: RegistryClient, repository: string, digest: string): Effect.Effect<ReadonlyArray<string> | undefined, unknown> =>
  Effect.gen(function* () {
    const response = yield* client.call({ operation: "config-read", method: "GET", url: `/v2/${repository}/blobs/${digest}`, maxResponseBytes: MAX_DOCUMENT });
    if (response.status !== 200 || digestOf(response.body) !== digest) return undefined;
    const rootfs = parse(response.body)?.["rootfs"] as { diff_ids?: unknown } | undefined;
    const ids = rootfs?.diff_ids;
    return Array.isArray(ids) && ids.every((id) => typeof id === "string") ? (ids as string[]) : undefined;
  });
