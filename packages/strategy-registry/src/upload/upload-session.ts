import type { Readable } from "node:stream";
import { RegistryError, type PushError } from "@skopush/core";
import * as Effect from "effect/Effect";
import { BodySourceError, classifyBodySource, errorCodes, parseRegistryErrorBody, type HttpResponse, type RegistryClient } from "@skopush/registry-client";
import { BodyTooLarge, UploadSessionLost } from "./upload-errors.js";
import { uploadLocation, withDigest } from "./upload-location.js";

/** Errors of one upload attempt: the push's, a lost session (retried), or a body a proxy refused (sent in chunks). */
export type UploadError = PushError | UploadSessionLost | BodyTooLarge;

const OCTET_STREAM = { "content-type": "application/octet-stream" } as const;

const sessionLost = (client: RegistryClient, response: HttpResponse): UploadSessionLost | undefined => {
  const codes = errorCodes(parseRegistryErrorBody(response.body));
  if (response.status === 404 || codes.includes("BLOB_UPLOAD_UNKNOWN") || codes.includes("BLOB_UPLOAD_INVALID")) {
    return new UploadSessionLost({ registry: client.context("blob-upload").registry, reason: `HTTP ${response.status} ${codes.join(",")}`.trim() });
  }
  return undefined;
};

/** Maps an unexpected answer of a session request: lost session, 413, or the classified error. */
const failed = (client: RegistryClient, response: HttpResponse, size?: number): Effect.Effect<never, UploadError> => {
  if (response.status === 413) return Effect.fail(new BodyTooLarge({ registry: client.context("blob-upload").registry, size }));
  return Effect.fail(sessionLost(client, response) ?? client.unexpected("blob-upload", response));
};

const nextLocation = (client: RegistryClient, response: HttpResponse): Effect.Effect<URL, UploadError> => {
  const location = uploadLocation(response);
  return location === undefined
    ? Effect.fail(new RegistryError({ registry: client.context("blob-upload").registry, status: response.status, reason: "the registry answered an upload request without a Location" }))
    : Effect.succeed(location);
};

/** `POST /v2/<name>/blobs/uploads/`: opens an upload session; answers its `Location` and `OCI-Chunk-Min-Length`. */
export const startUpload = (client: RegistryClient, repository: string): Effect.Effect<{ location: URL; minChunk: number }, UploadError> =>
  Effect.gen(function* () {
    const response = yield* client.call({ operation: "blob-upload", method: "POST", url: `/v2/${repository}/blobs/uploads/` });
    if (response.status !== 202) return yield* failed(client, response);
    const minChunk = Number(response.headers["oci-chunk-min-length"] ?? 0);
    return { location: yield* nextLocation(client, response), minChunk: Number.isFinite(minChunk) ? minChunk : 0 };
  });

/** The outcome of a mount attempt: mounted, or a session the registry opened instead (or nothing). */
export type MountOutcome = { readonly mounted: true } | { readonly mounted: false; readonly location: URL | undefined };

/** `POST …/uploads/?mount=<digest>&from=<repo>`. Never fails: a refused mount just means uploading. */
export const mountBlob = (client: RegistryClient, repository: string, digest: string, from: string, scopes: ReadonlyArray<string>): Effect.Effect<MountOutcome> =>
  Effect.gen(function* () {
    const url = `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const response = yield* client.call({ operation: "blob-mount", method: "POST", url, scopes });
    if (response.status === 201) return { mounted: true } as const;
    return { mounted: false, location: response.status === 202 ? uploadLocation(response) : undefined } as const;
  }).pipe(Effect.orElseSucceed((): MountOutcome => ({ mounted: false, location: undefined })));

/** Checks the registry stored what we sent. */
const checkStoredDigest = (client: RegistryClient, response: HttpResponse, digest: string): Effect.Effect<void, UploadError> => {
  const stored = response.headers["docker-content-digest"];
  if (typeof stored === "string" && stored !== "" && stored !== digest) {
    return Effect.fail(
      new RegistryError({ registry: client.context("blob-upload").registry, status: response.status, reason: `the registry stored the blob as ${stored}, but skopush sent ${digest}` }),
    );
  }
  return Effect.void;
};

/** `PUT <location>&digest=…` with the whole blob: the monolithic upload. */
export const putWhole = (
  client: RegistryClient,
  location: URL,
  digest: string,
  size: number,
  open: () => Readable | Uint8Array,
): Effect.Effect<void, UploadError> =>
  Effect.gen(function* () {
    const response = yield* client.call({
      operation: "blob-upload",
      method: "PUT",
      url: withDigest(location, digest),
      headers: OCTET_STREAM,
      body: { open, length: size },
    });
    if (response.status !== 201) return yield* failed(client, response, size);
    yield* checkStoredDigest(client, response, digest);
  });

/** `PATCH <location>` with a body of unknown length (chunked transfer encoding); answers the next `Location`. */
export const patchStream = (client: RegistryClient, location: URL, open: () => Readable): Effect.Effect<URL, UploadError> =>
  Effect.gen(function* () {
    const response = yield* client.call({ operation: "blob-upload", method: "PATCH", url: location, headers: OCTET_STREAM, body: { open } });
    if (response.status !== 202) return yield* failed(client, response);
    return yield* nextLocation(client, response);
  });

/** `PATCH <location>` with one chunk at `offset` (`Content-Range: start-end`, inclusive); answers the next `Location`. */
export const patchChunk = (client: RegistryClient, location: URL, chunk: Buffer, offset: number): Effect.Effect<URL, UploadError> =>
  Effect.gen(function* () {
    const response = yield* client.call({
      operation: "blob-upload",
      method: "PATCH",
      url: location,
      headers: { ...OCTET_STREAM, "content-range": `${offset}-${offset + chunk.length - 1}` },
      body: { open: () => chunk, length: chunk.length },
    });
    if (response.status === 416) return yield* new UploadSessionLost({ registry: client.context("blob-upload").registry, reason: "the registry refused a chunk's range (416)" });
    if (response.status !== 202) return yield* failed(client, response, chunk.length);
    return yield* nextLocation(client, response);
  });

/** `PUT <location>&digest=…` with no body: closes a session whose bytes were all PATCHed. */
export const closeUpload = (client: RegistryClient, location: URL, digest: string): Effect.Effect<void, UploadError> =>
  Effect.gen(function* () {
    const response = yield* client.call({ operation: "blob-upload", method: "PUT", url: withDigest(location, digest), headers: OCTET_STREAM });
    if (response.status !== 201) return yield* failed(client, response);
    yield* checkStoredDigest(client, response, digest);
  });

/** `DELETE <location>`: cancels a session. Best effort: failures are ignored. */
export const cancelUpload = (client: RegistryClient, location: URL): Effect.Effect<void> =>
  client.call({ operation: "blob-upload", method: "DELETE", url: location }).pipe(Effect.timeout(5_000), Effect.ignore);

/**
 * Reads `source` into chunks of `size` bytes (the last may be shorter), one at a time: at most one
 * chunk is in memory.
 */
export async function* chunksOf(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const data of source) {
    let rest = data;
    while (length + rest.length >= size) {
      const take = size - length;
      parts.push(rest.subarray(0, take));
      yield Buffer.concat(parts, size);
      parts = [];
      length = 0;
      rest = rest.subarray(take);
    }
    if (rest.length > 0) {
      parts.push(rest);
      length += rest.length;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}

/**
 * Hands each chunk of `chunks` to `send`, one after the other; a failure reading them is classified as the
 * source's, naming the session's `location()` at that moment.
 */
export const sendEachChunk = <E>(
  client: RegistryClient,
  chunks: AsyncIterable<Buffer>,
  location: () => URL,
  send: (chunk: Buffer) => Effect.Effect<void, E>,
): Effect.Effect<void, E | PushError> =>
  Effect.gen(function* () {
    const iterator = chunks[Symbol.asyncIterator]();
    for (;;) {
      const next = yield* Effect.tryPromise({
        try: () => iterator.next(),
        catch: (cause) => classifyBodySource(client.context("blob-upload"), new BodySourceError({ url: location().href, cause })),
      });
      if (next.done) return;
      yield* send(next.value);
    }
  });

/** What the registry holds of an open session: the next byte it expects, and the session's latest `Location`. */
export interface UploadStatus {
  readonly offset: number;
  readonly location: URL;
}

/**
 * `GET <location>`: the session's status (204 with `Range: 0-<last>` and a new `Location`). `undefined`
 * when the registry no longer knows the session (404, `BLOB_UPLOAD_UNKNOWN`/`INVALID`) or answers
 * something a resume cannot trust; the registry's answer is the truth, whatever was saved.
 */
export const uploadStatus = (client: RegistryClient, location: URL): Effect.Effect<UploadStatus | undefined, PushError> =>
  Effect.gen(function* () {
    const response = yield* client.call({ operation: "blob-upload", method: "GET", url: location });
    if (response.status !== 204 && response.status !== 200) {
      if (response.status === 404 || response.status === 400 || response.status === 416 || sessionLost(client, response) !== undefined) return undefined;
      return yield* Effect.fail(client.unexpected("blob-upload", response));
    }
    const range = /^(?:bytes=)?0-(\d+)$/.exec(String(response.headers.range ?? "").trim());
    const last = range?.[1] === undefined ? undefined : Number(range[1]);
    if (last === undefined || !Number.isSafeInteger(last)) return undefined;
    // distribution answers `0-0` for an empty session too: an offset of 1 would be a guess, so start over.
    if (last === 0) return undefined;
    return { offset: last + 1, location: uploadLocation(response) ?? location };
  });
