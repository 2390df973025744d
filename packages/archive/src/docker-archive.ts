import { settingPhrase, type ArchiveInvalid } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { ArchiveFiles } from "./archive-files.js";
import { failInvalid, SELECT_FIX } from "./archive-error.js";
import { count } from "./wording.js";
import { layerCompression, layerLabel, makeLayer } from "./archive-layer.js";
import { digestOf, parseDigest } from "./digest.js";
import type { ArchiveLayer, ArchiveManifest, ArchiveSelector } from "./image-archive.js";
import { array, decode, imageConfig, object, string, stringList, type Descriptor } from "./json-shape.js";
import { isImageIndex, isImageManifest, layerCompressionOf, layerMediaTypeOf, MediaTypes } from "./media-types.js";
import type { ImageParts } from "./oci-archive.js";
import { imageManifest, indexManifests, readJsonBlob } from "./oci-documents.js";
import { parseJson, readStored } from "./read-file.js";
import { namesDestination, sameReference, type DestinationName } from "./reference-match.js";

/** One entry of `manifest.json`. */
interface DockerManifestItem {
  readonly config: string;
  readonly repoTags: ReadonlyArray<string>;
  readonly layers: ReadonlyArray<string>;
}

const readItems = (value: unknown): ReadonlyArray<DockerManifestItem> =>
  array(value, "its top level").map((entry, i) => {
    const item = object(entry, `[${i}]`);
    return {
      config: string(item["Config"], `[${i}].Config`),
      repoTags: stringList(item["RepoTags"], `[${i}].RepoTags`),
      layers: array(item["Layers"], `[${i}].Layers`).map((layer, j) => string(layer, `[${i}].Layers[${j}]`)),
    };
  });

const describeItems = (items: ReadonlyArray<DockerManifestItem>): string =>
  items.map((item, i) => (item.repoTags.length > 0 ? item.repoTags.join(", ") : `#${i} (untagged)`)).join(", ");

const selectItem = (
  path: string,
  items: ReadonlyArray<DockerManifestItem>,
  selector: ArchiveSelector | undefined,
  destination: DestinationName | undefined,
): Effect.Effect<{ readonly item: DockerManifestItem; readonly chosenName?: string | undefined }, ArchiveInvalid> => {
  if (items.length === 0) return failInvalid(path, "manifest.json lists no image", "save the image again");
  if (selector !== undefined && "index" in selector) {
    const chosen = items[selector.index];
    return chosen ? Effect.succeed({ item: chosen }) : failInvalid(path, `has no image #${selector.index}; manifest.json lists ${items.length}`, SELECT_FIX);
  }
  if (selector !== undefined) {
    const chosen = items.find((item) => item.repoTags.some((tag) => sameReference(tag, selector.reference)));
    return chosen ? Effect.succeed({ item: chosen, chosenName: selector.reference }) : failInvalid(path, `holds no image tagged ${selector.reference}; it holds ${describeItems(items)}`, SELECT_FIX);
  }
  if (items.length > 1 && destination !== undefined) {
    const named = items.flatMap((item) => item.repoTags.filter((tag) => namesDestination(tag, destination)).map((tag) => ({ item, chosenName: tag })));
    if (named.length === 1) return Effect.succeed(named[0] as { item: DockerManifestItem; chosenName: string });
  }
  if (items.length > 1) {
    return failInvalid(
      path,
      `holds ${items.length} images (${describeItems(items)})${destination === undefined ? "" : `, and ${destination.repository}:${destination.tag ?? "latest"} does not name exactly one of them`}`,
      `choose one with a selector: a RepoTag (${settingPhrase("archiveImage")}), or an index into manifest.json; or push to a tag named like one of them`,
    );
  }
  return Effect.succeed({ item: items[0] as DockerManifestItem });
};

/** The digest a `docker save` name states: `<hex>.json` (≤ 24) or `blobs/<alg>/<hex>` (25+). */
const statedDigest = (name: string): string | undefined => {
  const blob = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(name);
  if (blob) return parseDigest(`${blob[1]}:${blob[2]}`) === undefined ? undefined : `${blob[1]}:${blob[2]}`;
  const legacy = /^([0-9a-f]{64})\.json$/.exec(name);
  return legacy ? `sha256:${legacy[1]}` : undefined;
};

interface OciView {
  readonly manifest: ArchiveManifest;
  readonly configMediaType: string;
  readonly layers: ReadonlyArray<Descriptor>;
  readonly refNames: ReadonlyArray<string>;
}

/**
 * Docker 25+ also stores the image as an OCI layout; finds its manifest (the one whose config is ours)
 * so that the OCI manifest bytes and the layers' media types are known. Best effort: `manifest.json`
 * is what `docker load` and skopeo read, so a broken `index.json` does not fail the archive.
 */
const findOciView = (files: ArchiveFiles, configDigest: string): Effect.Effect<OciView | undefined> =>
  Effect.gen(function* () {
    const indexFile = yield* files.locate("index.json");
    if (indexFile === undefined) return undefined;
    const top = yield* indexManifests(files.path, "index.json", yield* parseJson(files.path, yield* readStored(files.path, indexFile, "index.json"), "index.json"));
    const candidates: Array<{ readonly descriptor: Descriptor; readonly from: Descriptor }> = [];
    for (const d of top) {
      if (isImageManifest(d.mediaType)) candidates.push({ descriptor: d, from: d });
      if (!isImageIndex(d.mediaType)) continue;
      const blob = yield* readJsonBlob(files, d, `the image index ${d.digest}`);
      if (blob === undefined) continue;
      for (const child of yield* indexManifests(files.path, `the image index ${d.digest}`, blob.value)) {
        if (isImageManifest(child.mediaType)) candidates.push({ descriptor: child, from: d });
      }
    }
    for (const { descriptor, from } of candidates) {
      const blob = yield* readJsonBlob(files, descriptor, `the manifest ${descriptor.digest}`);
      if (blob === undefined) continue;
      const manifest = yield* imageManifest(files.path, `the manifest ${descriptor.digest}`, blob.value);
      if (manifest.config.digest !== configDigest) continue;
      return {
        manifest: { bytes: blob.bytes, digest: descriptor.digest, size: blob.bytes.length, mediaType: manifest.mediaType ?? descriptor.mediaType },
        configMediaType: manifest.config.mediaType,
        layers: manifest.layers,
        refNames: top.filter((d) => d.digest === from.digest).flatMap((d) => d.annotations["org.opencontainers.image.ref.name"] ?? []),
      };
    }
    return undefined;
  }).pipe(Effect.orElseSucceed(() => undefined));

/** Reads a docker-archive (`docker save`, Docker ≤ 24 and 25+): one image, its config and layers. */
export const readDockerArchive = (
  files: ArchiveFiles,
  options: { readonly selector?: ArchiveSelector | undefined; readonly destination?: DestinationName | undefined },
): Effect.Effect<ImageParts, ArchiveInvalid> =>
  Effect.gen(function* () {
    const path = files.path;
    const manifestFile = yield* files.locate("manifest.json");
    if (manifestFile === undefined) return yield* failInvalid(path, "has no manifest.json, so it is not a docker-archive");
    const items = yield* decode(path, "manifest.json", yield* parseJson(path, yield* readStored(path, manifestFile, "manifest.json"), "manifest.json"), readItems);
    const { item, chosenName } = yield* selectItem(path, items, options.selector, options.destination);

    const configFile = yield* files.locate(item.config);
    if (configFile === undefined) return yield* failInvalid(path, `manifest.json names the config ${item.config}, which the archive does not contain`, "save the image again");
    const configBytes = yield* readStored(path, configFile, `the config ${item.config}`);
    const stated = statedDigest(configFile.name);
    const configDigest = digestOf(configBytes, stated === undefined ? "sha256" : parseDigest(stated)?.algorithm);
    if (stated !== undefined && stated !== configDigest) {
      return yield* failInvalid(path, `the config ${item.config} content does not match its digest ${stated} (it hashes to ${configDigest})`, "the archive is corrupt or was altered; save the image again");
    }
    const config = yield* decode(path, `the config ${item.config}`, yield* parseJson(path, configBytes, `the config ${item.config}`), imageConfig);
    if (config.diffIds.length !== item.layers.length) {
      return yield* failInvalid(path, `the config lists ${count(config.diffIds.length, "rootfs.diff_id")} but manifest.json lists ${count(item.layers.length, "layer")}`, "the archive is corrupt; save the image again");
    }

    const oci = item.config.startsWith("blobs/") ? yield* findOciView(files, configDigest) : undefined;
    const layers: ArchiveLayer[] = [];
    for (const [index, name] of item.layers.entries()) {
      const stored = yield* files.locate(name);
      if (stored === undefined) return yield* failInvalid(path, `manifest.json names layer ${index} ${JSON.stringify(name)}, which the archive does not contain`, "save the image again");
      const digest = statedDigest(name);
      const described = oci?.layers[index];
      const stated = described !== undefined && described.digest === digest && described.size === stored.size ? layerCompressionOf(described.mediaType) : undefined;
      const compression = yield* layerCompression(path, layerLabel(index, stored.name), stored, stated);
      const mediaType =
        described !== undefined && stated !== undefined ? described.mediaType : layerMediaTypeOf(name.startsWith("blobs/") ? "oci" : "docker", compression);
      layers.push(makeLayer(path, { index, stored, mediaType, compression, diffId: config.diffIds[index] as string, digest }));
    }
    return {
      layout: item.config.startsWith("blobs/") ? "docker-oci" : "docker-legacy",
      repoTags: item.repoTags,
      refNames: oci?.refNames ?? [],
      chosenName,
      config: {
        bytes: configBytes,
        digest: configDigest,
        size: configBytes.length,
        mediaType: oci?.configMediaType ?? (item.config.startsWith("blobs/") ? MediaTypes.ociConfig : MediaTypes.dockerConfig),
        diffIds: config.diffIds,
        platform: config.platform,
      },
      layers,
      manifest: oci?.manifest,
    };
  });
