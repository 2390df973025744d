import { ManifestRejected, RegistryError, retryTransient, type PushError, type RetrySettings } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { BuiltManifest } from "./manifest-builder.js";
import type { RegistryClient } from "@skopush/registry-client";

/**
 * `PUT /v2/<name>/manifests/<reference>` with the exact bytes hashed, `Content-Type` the manifest's
 * media type. The registry's `Docker-Content-Digest` must equal our digest. Transient faults retry.
 */
export const putManifest = (
  client: RegistryClient,
  registry: string,
  repository: string,
  reference: string,
  manifest: BuiltManifest,
  retry: RetrySettings,
): Effect.Effect<string, PushError> =>
  Effect.gen(function* () {
    if (reference.includes(":") && reference !== manifest.digest) {
      return yield* Effect.fail(
        new ManifestRejected({
          registry,
          reference: `${repository}@${reference}`,
          reason: `the destination names the digest ${reference}, but the manifest pushed hashes to ${manifest.digest}`,
        }),
      );
    }
    const response = yield* client.call({
      operation: "manifest-push",
      method: "PUT",
      url: `/v2/${repository}/manifests/${reference}`,
      headers: { "content-type": manifest.mediaType },
      body: { open: () => manifest.bytes, length: manifest.bytes.length },
      reference,
    });
    if (response.status !== 201 && response.status !== 200) return yield* Effect.fail(client.unexpected("manifest-push", response, reference));
    const stored = response.headers["docker-content-digest"];
    if (typeof stored === "string" && stored !== "" && stored !== manifest.digest) {
      return yield* Effect.fail(
        new RegistryError({ registry, status: response.status, reason: `the registry reports the manifest as ${stored}, but skopush sent ${manifest.digest}` }),
      );
    }
    return manifest.digest;
  }).pipe(retryTransient(retry));
