import { settingPhrase, type ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { ArchiveFiles } from "./archive-files.js";
import { failInvalid, SELECT_FIX } from "./archive-error.js";
import { layerCompression, layerLabel, makeLayer } from "./archive-layer.js";
import type { ArchiveLayer, ArchiveSelector, ImageArchive, PlatformImage } from "./image-archive.js";
import { decode, formatPlatform, object, string, type Descriptor } from "./json-shape.js";
import { MAX_INDEX_DEPTH } from "./limits.js";
import { count } from "./wording.js";
import { isImageIndex, isImageManifest, layerCompressionOf } from "./media-types.js";
import { imageManifest, indexManifests, locateBlob, readConfig, readJsonBlob, type JsonBlob } from "./oci-documents.js";
import { parseJson, readStored } from "./read-file.js";
import { namesDestination, sameReference, type DestinationName } from "./reference-match.js";

/** The image-specific part of an {@link ImageArchive}. */
export type ImageParts = Pick<ImageArchive, "layout" | "repoTags" | "refNames" | "chosenName" | "config" | "layers" | "manifest" | "index">;

/** A manifest (or a whole image index) a descriptor of `index.json` leads to. */
type Resolved =
  | { readonly kind: "image"; readonly descriptor: Descriptor; readonly blob: JsonBlob }
  | { readonly kind: "index"; readonly descriptor: Descriptor; readonly blob: JsonBlob; readonly children: ReadonlyArray<Descriptor> };

const REF_NAME = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME = "io.containerd.image.name";

const namesOf = (descriptor: Descriptor): ReadonlyArray<string> =>
  [descriptor.annotations[REF_NAME], descriptor.annotations[CONTAINERD_NAME]].filter((name): name is string => name !== undefined);

const describeImages = (descriptors: ReadonlyArray<Descriptor>): string =>
  descriptors.map((d, i) => namesOf(d)[0] ?? `#${i} ${d.digest.slice(0, 19)}…`).join(", ");

/** Picks the descriptor of `index.json` the selector names, or the only image. */
const selectDescriptor = (
  path: string,
  top: ReadonlyArray<Descriptor>,
  selector: ArchiveSelector | undefined,
  destination: DestinationName | undefined,
): Effect.Effect<{ readonly descriptor: Descriptor; readonly chosenName?: string | undefined }, ArchiveInvalid> => {
  if (top.length === 0) return failInvalid(path, "index.json lists no image", "save the image again");
  if (selector !== undefined && "index" in selector) {
    const chosen = top[selector.index];
    return chosen ? Effect.succeed({ descriptor: chosen }) : failInvalid(path, `has no image #${selector.index}; index.json lists ${top.length}`, SELECT_FIX);
  }
  if (selector !== undefined) {
    const chosen = top.find((d) => namesOf(d).some((name) => name === selector.reference || sameReference(name, selector.reference)));
    return chosen ? Effect.succeed({ descriptor: chosen, chosenName: selector.reference }) : failInvalid(path, `holds no image named ${selector.reference}; it holds ${describeImages(top)}`, SELECT_FIX);
  }
  const distinct = new Set(top.map((d) => d.digest));
  if (distinct.size > 1 && destination !== undefined) {
    const named = top.flatMap((d) => namesOf(d).filter((name) => namesDestination(name, destination)).map((name) => ({ descriptor: d, chosenName: name })));
    if (new Set(named.map((n) => n.descriptor.digest)).size === 1) return Effect.succeed(named[0] as { descriptor: Descriptor; chosenName: string });
  }
  if (distinct.size > 1) {
    return failInvalid(
      path,
      `holds ${distinct.size} images (${describeImages(top)})${destination === undefined ? "" : `, and ${destination.repository}:${destination.tag ?? "latest"} does not name exactly one of them`}`,
      `choose one with a selector: a ref name (${settingPhrase("archiveImage")}), or an index into index.json; or push to a tag named like one of them`,
    );
  }
  return Effect.succeed({ descriptor: top[0] as Descriptor });
};

const isAttestation = (d: Descriptor): boolean =>
  d.annotations["vnd.docker.reference.type"] === "attestation-manifest" || d.platform?.os === "unknown";

const platformMatches = (d: Descriptor, wanted: string): boolean => {
  const [os, architecture, variant] = wanted.split("/");
  const platform = d.platform;
  return platform !== undefined && platform.os === os && platform.architecture === architecture && (variant === undefined || platform.variant === variant);
};

/** A manifest with everything it names present in the archive: what a platform of an index must have to be pushed. */
const isComplete = (files: ArchiveFiles, d: Descriptor): Effect.Effect<boolean, ArchiveInvalid> =>
  Effect.gen(function* () {
    if (!isImageManifest(d.mediaType)) return false;
    const blob = yield* readJsonBlob(files, d, `the manifest ${d.digest}`);
    if (blob === undefined) return false;
    const manifest = yield* imageManifest(files.path, `the manifest ${d.digest}`, blob.value);
    for (const blobDescriptor of [manifest.config, ...manifest.layers]) {
      if ((yield* locateBlob(files, blobDescriptor.digest)) === undefined) return false;
    }
    return true;
  });

/**
 * Follows a descriptor to one image manifest: through image indexes (as Docker with the containerd
 * store saves), keeping the platforms whose blobs are present (moby/moby#49473) and skipping
 * attestation manifests; fails when none or several remain.
 */
const resolveManifest = (
  files: ArchiveFiles,
  d: Descriptor,
  platform: string | undefined,
  depth: number,
): Effect.Effect<Resolved, ArchiveInvalid> =>
  Effect.gen(function* () {
    const path = files.path;
    if (isImageManifest(d.mediaType)) {
      const blob = yield* readJsonBlob(files, d, `the manifest ${d.digest}`);
      if (blob === undefined) return yield* failInvalid(path, `index.json names the manifest ${d.digest}, which the archive does not contain`, "save the image again");
      return { kind: "image", descriptor: d, blob };
    }
    if (!isImageIndex(d.mediaType)) return yield* failInvalid(path, `index.json names a manifest of the unsupported media type ${d.mediaType}`);
    if (depth >= MAX_INDEX_DEPTH) return yield* failInvalid(path, `nests image indexes more than ${MAX_INDEX_DEPTH} deep`);
    const what = `the image index ${d.digest}`;
    const blob = yield* readJsonBlob(files, d, what);
    if (blob === undefined) return yield* failInvalid(path, `index.json names ${what}, which the archive does not contain`, "save the image again");
    const listedChildren = yield* indexManifests(path, what, blob.value);
    const children = listedChildren.filter((child) => !isAttestation(child));
    const candidates = platform === undefined ? children : children.filter((child) => platformMatches(child, platform));
    if (candidates.length === 0) {
      return yield* failInvalid(path, `${what} has no image for ${platform ?? "any platform"}; it lists ${children.map((c) => formatPlatform(c.platform)).join(", ") || "nothing"}`);
    }
    const present: Descriptor[] = [];
    for (const child of candidates) {
      if (isImageIndex(child.mediaType) || (yield* isComplete(files, child))) present.push(child);
    }
    const listed = candidates.map((c) => formatPlatform(c.platform)).join(", ");
    if (present.length === 0) {
      return yield* failInvalid(path, `${what} lists ${listed}, but the blobs of every one are absent from the archive`, "pull the platform you want before saving (docker pull --platform …), or save a single-platform image");
    }
    // The index is pushed as it is only when every image it lists can be pushed (no attestation, no nesting).
    const whole = platform === undefined && present.length === listedChildren.length && present.every((child) => isImageManifest(child.mediaType));
    if (present.length > 1 && whole) return { kind: "index", descriptor: d, blob, children: present };
    if (present.length > 1) {
      return yield* failInvalid(path, `${what} holds several platforms (${present.map((c) => formatPlatform(c.platform)).join(", ")})`, "choose one with the platform option, e.g. linux/amd64");
    }
    return yield* resolveManifest(files, present[0] as Descriptor, platform, depth + 1);
  });

/** Reads one image manifest's config and layers, checking each against the manifest. */
const readImage = (
  files: ArchiveFiles,
  manifestDescriptor: Descriptor,
  blob: JsonBlob,
): Effect.Effect<Pick<PlatformImage, "config" | "layers" | "manifest">, ArchiveInvalid> =>
  Effect.gen(function* () {
    const path = files.path;
    const manifestWhat = `the manifest ${manifestDescriptor.digest}`;
    const manifest = yield* imageManifest(path, manifestWhat, blob.value);
    const config = yield* readConfig(files, manifest.config, manifestWhat);
    const diffIds = config.summary.diffIds;
    if (diffIds.length !== manifest.layers.length) {
      return yield* failInvalid(path, `the config lists ${count(diffIds.length, "rootfs.diff_id")} but ${manifestWhat} lists ${count(manifest.layers.length, "layer")}`, "the archive is corrupt; save the image again");
    }
    const layers: ArchiveLayer[] = [];
    for (const [index, layerDescriptor] of manifest.layers.entries()) {
      const stated = layerCompressionOf(layerDescriptor.mediaType);
      if (stated === undefined) {
        return yield* failInvalid(path, `layer ${index} of ${manifestWhat} has the unsupported media type ${layerDescriptor.mediaType}`, "skopush pushes container image layers (tar, tar+gzip, tar+zstd)");
      }
      const stored = yield* locateBlob(files, layerDescriptor.digest);
      if (stored === undefined) {
        return yield* failInvalid(path, `${manifestWhat} names layer ${index} blob ${layerDescriptor.digest}, which the archive does not contain`, "save the image again");
      }
      const label = layerLabel(index, stored.name);
      if (stored.size !== layerDescriptor.size) {
        return yield* failInvalid(path, `${label} is ${stored.size} bytes, but the manifest says ${layerDescriptor.size}`, "the archive is corrupt or was altered; save the image again");
      }
      const compression = yield* layerCompression(path, label, stored, stated);
      layers.push(
        makeLayer(path, { index, stored, mediaType: layerDescriptor.mediaType, compression, diffId: diffIds[index] as string, digest: layerDescriptor.digest }),
      );
    }
    return {
      config: {
        bytes: config.bytes,
        digest: manifest.config.digest,
        size: config.bytes.length,
        mediaType: manifest.config.mediaType,
        diffIds,
        platform: config.summary.platform,
      },
      layers,
      manifest: {
        bytes: blob.bytes,
        digest: manifestDescriptor.digest,
        size: blob.bytes.length,
        mediaType: manifest.mediaType ?? manifestDescriptor.mediaType,
      },
    };
  });

/** Reads the OCI layout of an oci-archive (or an OCI layout directory): one image, its config and layers. */
export const readOciLayout = (
  files: ArchiveFiles,
  options: { readonly selector?: ArchiveSelector | undefined; readonly platform?: string | undefined; readonly destination?: DestinationName | undefined },
  layout: "oci-archive" | "oci-directory",
): Effect.Effect<ImageParts, ArchiveInvalid> =>
  Effect.gen(function* () {
    const path = files.path;
    const layoutFile = yield* files.locate("oci-layout");
    if (layoutFile === undefined) return yield* failInvalid(path, "has index.json but no oci-layout file, so it is not an OCI layout", "save the image again with skopeo copy … oci-archive:");
    yield* decode(path, "oci-layout", yield* parseJson(path, yield* readStored(path, layoutFile, "oci-layout"), "oci-layout"), (json) =>
      string(object(json, "its top level")["imageLayoutVersion"], "imageLayoutVersion"),
    );
    const indexFile = yield* files.locate("index.json");
    if (indexFile === undefined) return yield* failInvalid(path, "has no index.json, so it is not an OCI layout");
    const top = yield* indexManifests(path, "index.json", yield* parseJson(path, yield* readStored(path, indexFile, "index.json"), "index.json"));
    const { descriptor: chosen, chosenName } = yield* selectDescriptor(path, top, options.selector, options.destination);
    const resolved = yield* resolveManifest(files, chosen, options.platform, 0);
    const refNames = top.filter((d) => d.digest === chosen.digest).flatMap((d) => d.annotations[REF_NAME] ?? []);
    if (resolved.kind === "image") return { layout, repoTags: [], refNames, chosenName, ...(yield* readImage(files, resolved.descriptor, resolved.blob)) };
    const images: PlatformImage[] = [];
    for (const child of resolved.children) {
      const childBlob = yield* readJsonBlob(files, child, `the manifest ${child.digest}`);
      if (childBlob === undefined) return yield* failInvalid(path, `the image index names the manifest ${child.digest}, which the archive does not contain`, "save the image again");
      images.push({ platform: formatPlatform(child.platform), ...(yield* readImage(files, child, childBlob)) });
    }
    const first = images[0] as PlatformImage;
    return {
      layout,
      repoTags: [],
      refNames,
      chosenName,
      config: first.config,
      layers: first.layers,
      manifest: first.manifest,
      index: { bytes: resolved.blob.bytes, digest: resolved.descriptor.digest, size: resolved.blob.bytes.length, mediaType: resolved.descriptor.mediaType, images },
    };
  });
