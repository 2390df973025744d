import type { Readable } from "node:stream";
import { RegistryError } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { RegistryClient } from "@skopush/registry-client";
import { UploadSessionLost } from "./upload-errors.js";
import type { UploadJournal } from "./upload-journal.js";
import { cancelUpload, chunksOf, closeUpload, patchChunk, sendEachChunk, startUpload, uploadStatus, type UploadError } from "./upload-session.js";

/** What a resumable upload needs of the push. */
export interface ResumableUploadContext {
  readonly client: RegistryClient;
  /** `host[:port]`: a saved session elsewhere is never resumed. */
  readonly registry: string;
  readonly repository: string;
  readonly journal: UploadJournal;
  /** Bytes per `PATCH`: a cut loses at most one. */
  readonly resumeChunkBytes: number;
  /** The largest body a proxy let through, once one refused a chunk (413). */
  readonly chunkSizeBytes: number;
  /** Set once a proxy refused a large body (413). */
  readonly chunked: { value: boolean };
}

/** One opening of a blob's bytes: every opening yields the same bytes (stored, or compressed reproducibly). */
export interface BlobBytes {
  readonly stream: Readable;
  /** The digest of everything the stream produced, once it ended. */
  digest(): string | undefined;
  destroy(): void;
}

/** What a resumable upload did. */
export interface ResumableOutcome {
  readonly digest: string;
  readonly size: number;
  /** Bytes this attempt sent (the blob's size less what a resumed session already held). */
  readonly bytesSent: number;
  /** Where the attempt started: 0, or the offset of the session it resumed. */
  readonly resumedAt: number;
}

/** The bytes of `source` after the first `start`; `short.value` says the source ended before `start`. */
async function* from(source: AsyncIterable<Buffer>, start: number, short: { value: boolean }): AsyncGenerator<Buffer> {
  let left = start;
  for await (const data of source) {
    if (left >= data.length) {
      left -= data.length;
      continue;
    }
    yield left > 0 ? data.subarray(left) : data;
    left = 0;
  }
  short.value = left > 0;
}

const isRetryable = (error: UploadError): boolean => (error as { readonly isRetryable?: boolean }).isRetryable === true;

/** The saved session of `key`, checked with the registry: where to continue, or `undefined` to start over. */
const resumeSaved = (ctx: ResumableUploadContext, key: string) =>
  Effect.gen(function* () {
    const saved = yield* Effect.promise(() => ctx.journal.get(key));
    if (saved === undefined) return undefined;
    let url: URL | undefined;
    try {
      url = new URL(saved.location);
    } catch {
      url = undefined;
    }
    // Only a session of this push's registry and repository: a session elsewhere in the registry would
    // take our bytes (and our credentials' write access) into another repository.
    if (url === undefined || url.host !== ctx.registry || !url.pathname.includes(`/v2/${ctx.repository}/blobs/uploads/`)) {
      yield* Effect.promise(() => ctx.journal.drop(key));
      return undefined;
    }
    // Resuming only saves bytes: an answer that is not a status (405 from a registry without the GET, a
    // 500, a denial) starts the blob over instead of failing the push; a transient fault is retried.
    const status = yield* uploadStatus(ctx.client, url).pipe(Effect.catch((error) => (error.isRetryable ? Effect.fail(error) : Effect.succeed(undefined))));
    if (status === undefined) {
      yield* Effect.promise(() => ctx.journal.drop(key));
      return undefined;
    }
    return { ...status, startedAt: saved.startedAt };
  });

/** `PATCH`es one chunk; after a 413 it goes again in pieces a proxy lets through. Answers the next `Location`. */
const sendChunk = (ctx: ResumableUploadContext, location: URL, chunk: Buffer, offset: number): Effect.Effect<URL, UploadError> =>
  Effect.gen(function* () {
    if (!ctx.chunked.value || chunk.length <= ctx.chunkSizeBytes) {
      const sent = yield* Effect.result(patchChunk(ctx.client, location, chunk, offset));
      if (sent._tag === "Success") return sent.success;
      if (sent.failure._tag !== "BodyTooLarge" || chunk.length <= ctx.chunkSizeBytes) return yield* Effect.fail(sent.failure);
      ctx.chunked.value = true;
    }
    let next = location;
    for (let at = 0; at < chunk.length; at += ctx.chunkSizeBytes) {
      next = yield* patchChunk(ctx.client, next, chunk.subarray(at, at + ctx.chunkSizeBytes), offset + at);
    }
    return next;
  });

/**
 * One attempt at a large blob, in `PATCH`es of `resumeChunkBytes` with `Content-Range`, each
 * acknowledged chunk saved in the journal. It continues the session an earlier attempt or process left
 * (its status `GET` says how many bytes the registry holds: those are read again from the source, to
 * hash them, but not sent), else opens one. The session is kept when the attempt fails in a way a retry
 * or a re-run can continue (a cut, a timeout, a kill); it is cancelled and forgotten otherwise. A
 * resumed session whose bytes turn out not to be ours (the registry refuses the digest) is dropped and
 * the blob starts over.
 */
export const uploadResumable = (ctx: ResumableUploadContext, key: string, open: () => BlobBytes): Effect.Effect<ResumableOutcome, UploadError> => {
  let open_: URL | undefined;
  return Effect.gen(function* () {
    const resumed = yield* resumeSaved(ctx, key);
    const startedAt = resumed?.startedAt ?? Date.now();
    let location = resumed?.location ?? (yield* startUpload(ctx.client, ctx.repository)).location;
    open_ = location;
    const resumedAt = resumed?.offset ?? 0;
    let offset = resumedAt;
    yield* Effect.promise(() => ctx.journal.put(key, { location: location.href, offset, startedAt }));
    const source = open();
    const short = { value: false };
    const size = ctx.chunked.value ? Math.min(ctx.chunkSizeBytes, ctx.resumeChunkBytes) : ctx.resumeChunkBytes;
    yield* sendEachChunk(ctx.client, chunksOf(from(source.stream, resumedAt, short), size), () => location, (chunk) =>
      Effect.gen(function* () {
        location = yield* sendChunk(ctx, location, chunk, offset);
        open_ = location;
        offset += chunk.length;
        yield* Effect.promise(() => ctx.journal.put(key, { location: location.href, offset, startedAt }));
      }),
    ).pipe(Effect.ensuring(Effect.sync(() => source.destroy())));
    const digest = source.digest();
    if (short.value) {
      return yield* new UploadSessionLost({ registry: ctx.registry, reason: `the resumed session holds ${resumedAt} bytes, more than the blob has` });
    }
    if (digest === undefined) return yield* new RegistryError({ registry: ctx.registry, reason: "a blob's stream ended before its digest was known" });
    const closed = yield* Effect.result(closeUpload(ctx.client, location, digest));
    if (closed._tag === "Failure") {
      const failure = closed.failure;
      const refusedDigest = failure._tag === "RegistryError" && (failure.code === "DIGEST_INVALID" || failure.status === 400);
      if (resumedAt > 0 && refusedDigest) {
        return yield* new UploadSessionLost({ registry: ctx.registry, reason: "the resumed session's bytes were not this blob's (DIGEST_INVALID)" });
      }
      return yield* Effect.fail(failure);
    }
    open_ = undefined;
    yield* Effect.promise(() => ctx.journal.drop(key));
    return { digest, size: offset, bytesSent: offset - resumedAt, resumedAt };
  }).pipe(
    Effect.tapError((error) =>
      isRetryable(error) && error._tag !== "UploadSessionLost"
        ? Effect.void
        : Effect.gen(function* () {
            if (open_ !== undefined) yield* cancelUpload(ctx.client, open_);
            yield* Effect.promise(() => ctx.journal.drop(key));
          }),
    ),
  );
};

