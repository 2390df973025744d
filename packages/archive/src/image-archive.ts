import type { Readable } from "node:stream";
import type { ArchiveFormat, ArchiveInvalid } from "@skopush/core";
import type * as Effect from "effect/Effect";
import type { Platform } from "./json-shape.js";
import type { LayerCompression } from "./media-types.js";
import type { DestinationName } from "./reference-match.js";

/**
 * How the archive is laid out:
 * - `docker-legacy`: `docker save` of Docker ≤ 24 (`<id>/layer.tar`, uncompressed);
 * - `docker-oci`: `docker save` of Docker 25+ (`manifest.json` over an OCI layout, `blobs/sha256/…`);
 * - `oci-archive`: a tar of an OCI layout (`skopeo copy … oci-archive:`);
 * - `oci-directory`: an OCI layout directory (`skopeo copy … oci:<dir>`), not a tar.
 */
export type ArchiveLayout = "docker-legacy" | "docker-oci" | "oci-archive" | "oci-directory";

/** Chooses one image of an archive that holds several, as skopeo's `:<ref>` and `:@<index>` do. */
export type ArchiveSelector =
  /** A `RepoTags` entry (docker), or an `org.opencontainers.image.ref.name` / `io.containerd.image.name` (OCI). */
  | { readonly reference: string }
  /** The position in `manifest.json` (docker) or in `index.json` (OCI), from 0. */
  | { readonly index: number };

/** Options of `openImageArchive` and `inspectArchive`. */
export interface OpenArchiveOptions {
  /** Read the archive as this format; detected from its contents when absent. */
  readonly format?: ArchiveFormat | undefined;
  /** Which image, when the archive holds several. Without it the archive must hold exactly one. */
  readonly selector?: ArchiveSelector | undefined;
  /**
   * Which platform of an image index, e.g. `linux/arm64`. Without it an index whose images are all present
   * is read whole (`ImageArchive.index`); one with only one platform present gives that platform.
   */
  readonly platform?: string | undefined;
  /**
   * Where the image will be pushed. With several images and no selector, the one whose RepoTag (or ref
   * name) names this repository and tag is chosen, if exactly one does.
   */
  readonly destination?: DestinationName | undefined;
  /** Where a gzip-compressed archive is decompressed. @default os.tmpdir() */
  readonly tempDirectory?: string | undefined;
  /** The strategy reading the archive, named by an `EnvironmentFault` (no room to decompress). @default "skopush" */
  readonly strategy?: string | undefined;
}

/** The image config blob. */
export interface ArchiveConfig {
  readonly bytes: Uint8Array;
  /** sha256 of `bytes`: the image ID. */
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  /** `rootfs.diff_ids`: the sha256 of each layer's uncompressed tar, in order. */
  readonly diffIds: ReadonlyArray<string>;
  readonly platform: Platform | undefined;
}

/** An image manifest stored in the archive (OCI forms), byte for byte. */
export interface ArchiveManifest {
  readonly bytes: Uint8Array;
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

/** How a layer stream reads its file. */
export interface LayerReadOptions {
  /** Bytes per read (and per chunk). Larger reads cost less per byte on big layers. @default 65536 */
  readonly highWaterMark?: number | undefined;
}

/** One layer of the image, as the archive stores it. */
export interface ArchiveLayer {
  /** Position in the image, from 0. */
  readonly index: number;
  /** The entry (or file) that holds it, e.g. `blobs/sha256/…` or `<id>/layer.tar`. */
  readonly name: string;
  /** Stored bytes. */
  readonly size: number;
  /** The manifest's media type when the archive has a manifest; else the Docker type of `compression`. */
  readonly mediaType: string;
  /** From the media type, or sniffed from the first bytes when no manifest states one. */
  readonly compression: LayerCompression;
  /** From the config's `rootfs.diff_ids`. */
  readonly diffId: string;
  /**
   * The digest of the stored bytes as the archive states it (OCI forms: the blob's name and descriptor).
   * `undefined` for `docker-legacy`, where an uncompressed layer's stored bytes hash to `diffId`.
   */
  readonly digest: string | undefined;
  /**
   * A stream of the stored bytes. Each call opens its own descriptor: streams run in parallel, and a
   * retry calls it again. Use it while the archive's scope is open (a gzip archive's temp copy goes with it).
   */
  open(options?: LayerReadOptions): Readable;
  /**
   * Hashes the layer: its stored bytes against `digest` (when stated), its uncompressed bytes against
   * `diffId` (gunzipping a gzip layer; zstd layers when this Node has zstd). Fails with
   * `ArchiveInvalid` ("layer … content does not match its digest") when the archive lies.
   */
  verify(): Effect.Effect<void, ArchiveInvalid>;
}

/** An opened image archive: one image, ready to be read blob by blob. */
export interface ImageArchive {
  /** The caller's path. */
  readonly path: string;
  readonly format: ArchiveFormat;
  readonly layout: ArchiveLayout;
  /** `gzip` when the archive file itself was compressed (it was decompressed to a private temp file). */
  readonly outerCompression: "none" | "gzip";
  /**
   * The archive uncompressed on disk: `path` itself, or for a gzip-compressed archive its decompressed
   * temp copy, which lives as long as the scope. Give this to tools that cannot read compressed archives
   * (skopeo 1.9 cannot read a gzip-compressed docker-archive).
   */
  readonly uncompressedPath: string;
  /** `RepoTags` of the image (docker forms); `[]` when saved by ID. */
  readonly repoTags: ReadonlyArray<string>;
  /** `org.opencontainers.image.ref.name` values of the image in `index.json` (OCI forms). */
  readonly refNames: ReadonlyArray<string>;
  /**
   * The name the image was chosen by when the archive holds several (the selector's, or the RepoTag or ref
   * name that matched the destination); what `docker-archive:<path>:<name>` gives skopeo. Else undefined.
   */
  readonly chosenName?: string | undefined;
  readonly config: ArchiveConfig;
  readonly layers: ReadonlyArray<ArchiveLayer>;
  /** The image manifest, when the archive stores one (OCI forms, including Docker 25+). */
  readonly manifest: ArchiveManifest | undefined;
  /**
   * The image index, when the archive holds a multi-platform image whole and no platform was chosen:
   * push every image of `index.images`, then the index. `config`, `layers` and `manifest` are then its
   * first image's.
   */
  readonly index?: ArchiveIndex | undefined;
  /** Config size plus every layer's stored size (a layer listed twice counts twice); of every image with an index. */
  readonly totalBytes: number;
}

/** One platform's image of an image index the archive holds whole. */
export interface PlatformImage {
  /** `os/architecture[/variant]`, from the index's descriptor. */
  readonly platform: string;
  readonly config: ArchiveConfig;
  readonly layers: ReadonlyArray<ArchiveLayer>;
  readonly manifest: ArchiveManifest;
}

/** An image index stored in the archive (its exact bytes) with every image it lists present. */
export interface ArchiveIndex extends ArchiveManifest {
  /** The images the index lists, in its order. */
  readonly images: ReadonlyArray<PlatformImage>;
}

/** A cheap summary of an archive, for progress and diagnostics. */
export interface ArchiveSummary {
  readonly path: string;
  readonly format: ArchiveFormat;
  readonly layout: ArchiveLayout;
  readonly outerCompression: "none" | "gzip";
  readonly repoTags: ReadonlyArray<string>;
  readonly refNames: ReadonlyArray<string>;
  readonly configDigest: string;
  readonly configSize: number;
  readonly manifestDigest: string | undefined;
  /** See {@link ImageArchive.chosenName}. */
  readonly chosenName?: string | undefined;
  /** The image index pushed whole, when the archive holds one (see {@link ImageArchive.index}). */
  readonly index?: { readonly digest: string; readonly images: ReadonlyArray<{ readonly platform: string; readonly manifestDigest: string; readonly configDigest: string }> } | undefined;
  readonly diffIds: ReadonlyArray<string>;
  readonly layerCount: number;
  readonly layers: ReadonlyArray<{
    readonly size: number;
    readonly mediaType: string;
    readonly compression: LayerCompression;
    readonly digest: string | undefined;
    readonly diffId: string;
  }>;
  readonly totalBytes: number;
}
