import { createHash } from "node:crypto";
import { RegistryError, Timeout, type PushError } from "@skopush/core";
import * as Effect from "effect/Effect";
import { REDIRECTS, type RegistryClient } from "./registry-client.js";

const ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");
const MAX_MANIFEST = 4 * 1024 * 1024;
/** More than any image config (a few KiB, rarely 1 MiB with a long history); a larger answer is not one. */
const MAX_CONFIG = 4 * 1024 * 1024;
const CONFIG_HASHES = new Set(["sha256", "sha512"]);

/** `repository:tag` or `repository@digest`. */
const named = (repository: string, reference: string): string => `${repository}${reference.includes(":") ? "@" : ":"}${reference}`;

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

/**
 * Reads the manifest `reference` resolves to in `repository`; undefined when the registry has none (404).
 * A redirect to another origin is refused (`RegistryError`): a registry serves manifests itself, and
 * what another host serves says nothing about what the registry stores.
 */
export const readStoredManifest = (client: RegistryClient, repository: string, reference: string): Effect.Effect<StoredManifest | undefined, PushError> =>
  Effect.gen(function* () {
    const response = yield* client.call({
      operation: "manifest-read",
      method: "GET",
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { accept: ACCEPT },
      maxResponseBytes: MAX_MANIFEST,
      reference,
      sameOriginOnly: true,
    });
    if (response.status === 404) return undefined;
    if (REDIRECTS.has(response.status) && response.headers.location !== undefined) {
      const elsewhere = new URL(response.headers.location, response.url).origin;
      return yield* Effect.fail(
        new RegistryError({
          registry: client.context("manifest-read").registry,
          status: response.status,
          reason: `reading ${named(repository, reference)}, the registry redirected to another host, ${elsewhere}; a registry serves its manifests itself, so what another host serves proves nothing about what ${client.origin} stores`,
        }),
      );
    }
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
    const unread = (error: PushError) => acceptedButUnread(error, expected.digest, named(repository, reference));
    const stored = yield* readStoredManifest(client, repository, reference).pipe(Effect.mapError(unread));
    const converted = expected.ociConversionAllowed === true && stored?.mediaType === "application/vnd.oci.image.manifest.v1+json";
    const configMatches = expected.configDigest === undefined || converted || stored?.configDigest === expected.configDigest;
    const wanted = expected.manifests ?? [];
    const unlisted = wanted.filter((digest) => !(stored?.manifestDigests ?? []).includes(digest));
    if (stored !== undefined && stored.digest === expected.digest && configMatches && unlisted.length === 0) {
      for (const digest of wanted) {
        const listed = yield* readStoredManifest(client, repository, digest).pipe(Effect.mapError(unread));
        if (listed === undefined) {
          return yield* Effect.fail(
            new RegistryError({ registry, reason: `the push looked successful, but reading it back, ${repository}@${digest}, listed by the image index ${stored.digest}, is missing` }),
          );
        }
        if (listed.configDigest !== undefined) yield* verifyConfigBlob(client, registry, repository, listed, unread);
      }
      if (stored.manifestDigests === undefined) yield* verifyConfigBlob(client, registry, repository, stored, unread);
      return stored;
    }
    if (stored !== undefined && stored.digest === expected.digest && unlisted.length > 0) {
      return yield* Effect.fail(
        new RegistryError({
          registry,
          reason:
            stored.manifestDigests === undefined
              ? `the push looked successful, but reading it back, ${named(repository, reference)} holds ${describeStored(stored)}, not an image index listing ${unlisted.join(", ")}`
              : `the push looked successful, but reading it back, the image index ${stored.digest} does not list ${unlisted.join(", ")}`,
        }),
      );
    }
    return yield* Effect.fail(
      new RegistryError({
        registry,
        reason:
          `the push looked successful, but reading it back, ${named(repository, reference)} holds ${describeStored(stored)}, ` +
          `not the pushed manifest ${expected.digest}${expected.configDigest ? ` (config ${expected.configDigest})` : ""}`,
      }),
    );
  });

/**
 * Reads the config blob `manifest` names and checks that its bytes hash to that digest: a server that
 * kept the manifest but not the image (every blob "exists", the manifest is echoed back) fails here. The
 * config is whatever the stored manifest names, so a config skopeo re-encoded is checked too. A redirect
 * (to blob storage, as registries do for blobs) is followed: the bytes are hashed wherever they come from.
 */
const verifyConfigBlob = (
  client: RegistryClient,
  registry: string,
  repository: string,
  manifest: StoredManifest,
  unread: (error: PushError) => PushError,
): Effect.Effect<void, PushError> =>
  Effect.gen(function* () {
    const digest = manifest.configDigest;
    const [algorithm = "", hex = ""] = (digest ?? "").split(":");
    const fail = (problem: string) =>
      Effect.fail(
        new RegistryError({
          registry,
          reason: `the push looked successful, but reading it back, ${problem}: the registry holds the manifest ${manifest.digest}, not the image`,
        }),
      );
    if (digest === undefined) return yield* fail(`the manifest ${manifest.digest} names no config`);
    if (!CONFIG_HASHES.has(algorithm)) return yield* fail(`the config ${digest} has a digest algorithm skopush cannot check`);
    const response = yield* client
      .call({ operation: "config-read", method: "GET", url: `/v2/${repository}/blobs/${digest}`, maxResponseBytes: MAX_CONFIG + 1 })
      .pipe(Effect.mapError(unread));
    if (response.status === 404) return yield* fail(`the config ${digest} is not in ${repository}`);
    if (response.status !== 200) return yield* Effect.fail(unread(client.unexpected("config-read", response)));
    if (response.body.length > MAX_CONFIG) return yield* fail(`the config ${digest} is served as more than ${MAX_CONFIG} bytes, larger than any image config`);
    const served = createHash(algorithm).update(response.body).digest("hex");
    if (served !== hex) return yield* fail(`the config ${digest} is served as bytes whose digest is ${algorithm}:${served}`);
  });

/**
 * `error`, which ended reading back a manifest the registry accepted, saying so: the tag may be written
 * though the push failed ("the registry accepted manifest sha256:… for app:v1; reading it back failed: …").
 * The class, and so the exit code and retry decision, stay the same.
 */
export const acceptedButUnread = (error: PushError, digest: string, reference: string): PushError => {
  const said = `the registry accepted manifest ${digest} for ${reference}; reading it back failed`;
  if (error._tag === "Timeout") return new Timeout({ operation: `${said}: ${error.operation}`, afterMs: error.afterMs, stage: error.stage, detail: error.detail });
  const fields = error as unknown as Record<string, unknown>;
  if (typeof fields["reason"] !== "string") return error;
  const { stack: _stack, ...rest } = fields;
  const Class = error.constructor as new (args: Record<string, unknown>) => PushError;
  return new Class({ ...rest, reason: `${said}: ${fields["reason"] as string}` });
};
