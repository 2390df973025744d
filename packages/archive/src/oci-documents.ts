import type { ArchiveInvalid } from "@skopush/core";
import { Effect } from "effect";
import type { ArchiveFiles, StoredFile } from "./archive-files.js";
import { failInvalid } from "./archive-error.js";
import { blobPathOf } from "./archive-path.js";
import { digestOf, parseDigest } from "./digest.js";
import { array, decode, descriptor, imageConfig, object, optionalString, type ConfigSummary, type Descriptor } from "./json-shape.js";
import { isImageConfig } from "./media-types.js";
import { parseJson, readStored } from "./read-file.js";

/** The stored file of a descriptor's blob (`blobs/<alg>/<hex>`); `undefined` when absent. */
export const locateBlob = (files: ArchiveFiles, digest: string): Effect.Effect<StoredFile | undefined, ArchiveInvalid> => {
  const parsed = parseDigest(digest);
  return parsed === undefined ? Effect.succeed(undefined) : files.locate(blobPathOf(parsed));
};

/** A JSON blob read whole and checked against its descriptor's size and digest. */
export interface JsonBlob {
  readonly bytes: Buffer;
  readonly value: unknown;
}

/**
 * Reads the blob a descriptor names (at most 4 MiB) and checks its size and digest, which for JSON
 * documents is cheap and catches a swapped or edited manifest before anything is pushed.
 * `undefined` when the blob is absent.
 */
export const readJsonBlob = (
  files: ArchiveFiles,
  wanted: Descriptor,
  what: string,
): Effect.Effect<JsonBlob | undefined, ArchiveInvalid> =>
  Effect.gen(function* () {
    const stored = yield* locateBlob(files, wanted.digest);
    if (stored === undefined) return undefined;
    if (stored.size !== wanted.size) {
      return yield* failInvalid(files.path, `${what} is ${stored.size} bytes, but its descriptor says ${wanted.size}`, "the archive is corrupt or was altered; save the image again");
    }
    const bytes = yield* readStored(files.path, stored, what);
    const actual = digestOf(bytes, parseDigest(wanted.digest)?.algorithm);
    if (actual !== wanted.digest) {
      return yield* failInvalid(files.path, `${what} content does not match its digest ${wanted.digest} (it hashes to ${actual})`, "the archive is corrupt or was altered; save the image again");
    }
    return { bytes, value: yield* parseJson(files.path, bytes, what) };
  });

/** The descriptors an image index (or `index.json`) lists. */
export const indexManifests = (path: string, what: string, value: unknown): Effect.Effect<ReadonlyArray<Descriptor>, ArchiveInvalid> =>
  decode(path, what, value, (json) =>
    array(object(json, "its top level")["manifests"], "manifests").map((item, i) => descriptor(item, `manifests[${i}]`)),
  );

/** The config and layer descriptors of an image manifest, and the media type it declares. */
export interface ManifestSummary {
  readonly mediaType: string | undefined;
  readonly config: Descriptor;
  readonly layers: ReadonlyArray<Descriptor>;
}

/** Reads an image manifest's descriptors. */
export const imageManifest = (path: string, what: string, value: unknown): Effect.Effect<ManifestSummary, ArchiveInvalid> =>
  decode(path, what, value, (json) => {
    const manifest = object(json, "its top level");
    return {
      mediaType: optionalString(manifest["mediaType"], "mediaType"),
      config: descriptor(manifest["config"], "config"),
      layers: array(manifest["layers"], "layers").map((item, i) => descriptor(item, `layers[${i}]`)),
    };
  });

/** An image config read whole (at most 4 MiB) and summarised. */
export interface ConfigBlob {
  readonly bytes: Buffer;
  readonly summary: ConfigSummary;
}

/** Reads and summarises a config whose descriptor a manifest holds. */
export const readConfig = (files: ArchiveFiles, wanted: Descriptor, manifestWhat: string): Effect.Effect<ConfigBlob, ArchiveInvalid> =>
  Effect.gen(function* () {
    if (!isImageConfig(wanted.mediaType)) {
      return yield* failInvalid(files.path, `${manifestWhat} has a config of the unsupported media type ${wanted.mediaType}; it is not a container image`, "skopush pushes container images; push other artifacts with oras");
    }
    const what = `the config ${wanted.digest}`;
    const blob = yield* readJsonBlob(files, wanted, what);
    if (blob === undefined) return yield* failInvalid(files.path, `${manifestWhat} names the config ${wanted.digest}, which the archive does not contain`);
    return { bytes: blob.bytes, summary: yield* decode(files.path, what, blob.value, imageConfig) };
  });
