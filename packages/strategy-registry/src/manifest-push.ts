import { ManifestRejected, RegistryError, retryTransient, Timeout, type PushError, type RetrySettings, type RetryWaitListener } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { BuiltManifest } from "./manifest-builder.js";
import { describeStored, readStoredManifest, type RegistryClient } from "@skopush/registry-client";

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
  /** The limit for the manifest's answer. @default the transport's `responseTimeoutMs` */
  manifestTimeoutMs?: number,
  /** Hears of each wait before a retry. */
  onWait?: RetryWaitListener,
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
      responseTimeoutMs: manifestTimeoutMs,
    }).pipe(Effect.mapError((error) => (error._tag === "Timeout" && error.stage === "response" ? new Timeout({ ...error, stage: "manifest", operation: `writing the manifest ${repository}:${reference} at ${registry}` }) : error)));
    if (response.status !== 201 && response.status !== 200) return yield* Effect.fail(client.unexpected("manifest-push", response, reference));
    const stored = response.headers["docker-content-digest"];
    if (typeof stored === "string" && stored !== "" && stored !== manifest.digest) {
      const now = yield* Effect.result(readStoredManifest(client, repository, reference));
      const holds = now._tag === "Success" ? describeStored(now.success) : `something skopush could not read back (${now.failure.message})`;
      return yield* Effect.fail(
        new RegistryError({
          registry,
          status: response.status,
          reason: `the registry reports the manifest as ${stored}, but skopush sent ${manifest.digest}; ${repository}${reference.includes(":") ? "@" : ":"}${reference} now holds ${holds}`,
        }),
      );
    }
    return manifest.digest;
  }).pipe(retryTransient(retry, onWait));
