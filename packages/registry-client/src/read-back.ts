import { createHash } from "node:crypto";
import { RegistryError, type PushError } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { RegistryClient } from "./registry-client.js";

const ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");
const MAX_MANIFEST = 4 * 1024 * 1024;

/** What a tag resolves to now, read back from the registry. */
export interface StoredManifest {
  /** The sha256 of the bytes the registry served (not its header's word). */
  readonly digest: string;
  /** The manifest's `config.digest`; undefined for an index or a document that is not a manifest. */
  readonly configDigest: string | undefined;
  /** An image index's `manifests[].digest`, in order; undefined for anything else. */
  readonly manifestDigests?: ReadonlyArray<string> | undefined;
  /** The manifest's `mediaType`, when it has one. */
  readonly mediaType?: string | undefined;
  /** Each layer's `mediaType`, in order; empty for an index or a document that is not a manifest. */
  readonly layerMediaTypes?: ReadonlyArray<string> | undefined;
}

/** What a push must have left under the tag. */
export interface ExpectedImage {
  /** The manifest digest the push reports. */
  readonly digest: string;
  /**
   * The archive's own config digest; undefined when the push converted the manifest in a way that
   * re-encodes the config (skopeo's docker → OCI conversion), where only the manifest digest is known.
   */
  readonly configDigest: string | undefined;
  /**
   * For an image index: the digests of the manifests it must list (every platform of the archive). Each
   * must be listed, and each must be readable in the repository by its digest.
   */
  readonly manifests?: ReadonlyArray<string> | undefined;
  /**
   * skopeo may have converted a docker-archive to OCI on its own (its blob-info cache substituted zstd
   * layers, which only OCI describes): then an OCI manifest's config is not checked, its digest still is.
   * @default false
   */
  readonly ociConversionAllowed?: boolean | undefined;
}

/** Reads the manifest `reference` resolves to in `repository`; undefined when the registry has none (404). */
export const readStoredManifest = (client: RegistryClient, repository: string, reference: string): Effect.Effect<StoredManifest | undefined, PushError> =>
  Effect.gen(function* () {
    const response = yield* client.call({
      operation: "manifest-read",
      method: "GET",
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { accept: ACCEPT },
      maxResponseBytes: MAX_MANIFEST,
      reference,
    });
    if (response.status === 404) return undefined;
    if (response.status !== 200) return yield* Effect.fail(client.unexpected("manifest-read", response, reference));
    let configDigest: string | undefined;
    let manifestDigests: ReadonlyArray<string> | undefined;
    let mediaType: string | undefined;
    let layerMediaTypes: string[] = [];
    try {
      const document = JSON.parse(response.body.toString("utf8")) as { mediaType?: unknown; config?: { digest?: unknown }; manifests?: unknown; layers?: unknown };
      configDigest = typeof document.config?.digest === "string" ? document.config.digest : undefined;
      manifestDigests = Array.isArray(document.manifests)
        ? document.manifests.flatMap((m: unknown) => (typeof (m as { digest?: unknown } | null)?.digest === "string" ? [(m as { digest: string }).digest] : []))
        : undefined;
      mediaType = typeof document.mediaType === "string" ? document.mediaType : undefined;
      if (Array.isArray(document.layers)) {
        layerMediaTypes = document.layers.map((layer: { mediaType?: unknown }) => (typeof layer?.mediaType === "string" ? layer.mediaType : ""));
      }
    } catch {
      configDigest = undefined;
    }
    return {
      digest: `sha256:${createHash("sha256").update(response.body).digest("hex")}`,
      configDigest,
      mediaType,
      layerMediaTypes,
      ...(manifestDigests === undefined ? {} : { manifestDigests }),
    };
  });

/** In words, what a tag holds now: for messages that must say what is in the registry. */
export const describeStored = (stored: StoredManifest | undefined): string =>
  stored === undefined
    ? "no manifest"
    : stored.manifestDigests !== undefined
      ? `the image index ${stored.digest} (${stored.manifestDigests.length} manifests)`
      : `the manifest ${stored.digest}${stored.configDigest ? ` (config ${stored.configDigest})` : ""}`;

/**
 * Checks what a push left: the tag resolves to the digest the push reports, and the manifest there
 * references the archive's config (or, for an image index, lists every manifest expected, each of which
 * the repository serves). Any other state is a `RegistryError` that says what the tag holds,
 * so a server that only pretends to be a registry, or a different image under the tag, never passes.
 */
export const verifyPushed = (
  client: RegistryClient,
  registry: string,
  repository: string,
  reference: string,
  expected: ExpectedImage,
): Effect.Effect<StoredManifest, PushError> =>
  Effect.gen(function* () {
    const stored = yield* readStoredManifest(client, repository, reference);
    const converted = expected.ociConversionAllowed === true && stored?.mediaType === "application/vnd.oci.image.manifest.v1+json";
    const configMatches = expected.configDigest === undefined || converted || stored?.configDigest === expected.configDigest;
    const wanted = expected.manifests ?? [];
    const unlisted = wanted.filter((digest) => !(stored?.manifestDigests ?? []).includes(digest));
    if (stored !== undefined && stored.digest === expected.digest && configMatches && unlisted.length === 0) {
      for (const digest of wanted) {
        if ((yield* readStoredManifest(client, repository, digest)) === undefined) {
          return yield* Effect.fail(
            new RegistryError({ registry, reason: `the push looked successful, but reading it back, ${repository}@${digest}, listed by the image index ${stored.digest}, is missing` }),
          );
        }
      }
      return stored;
    }
    if (stored !== undefined && stored.digest === expected.digest && unlisted.length > 0) {
      return yield* Effect.fail(
        new RegistryError({
          registry,
          reason:
            stored.manifestDigests === undefined
              ? `the push looked successful, but reading it back, ${repository}${reference.includes(":") ? "@" : ":"}${reference} holds ${describeStored(stored)}, not an image index listing ${unlisted.join(", ")}`
              : `the push looked successful, but reading it back, the image index ${stored.digest} does not list ${unlisted.join(", ")}`,
        }),
      );
    }
    return yield* Effect.fail(
      new RegistryError({
        registry,
        reason:
          `the push looked successful, but reading it back, ${repository}${reference.includes(":") ? "@" : ":"}${reference} holds ${describeStored(stored)}, ` +
          `not the pushed manifest ${expected.digest}${expected.configDigest ? ` (config ${expected.configDigest})` : ""}`,
      }),
    );
  });
