import { Readable } from "node:stream";
import { describeRetryWait, RegistryError, retryTransient, type PushError, type RetrySettings } from "@skopush/core";
import * as Effect from "effect/Effect";
import { layerCompressionOf } from "@skopush/archive";
import { compressedFormKey, type BlobInfoCache } from "./blob-info-cache.js";
import { pushScopes, type RegistryClient } from "@skopush/registry-client";
import type { ImagePlan, LayerBlob } from "./image-plan.js";
import { openLayerSource, type CompressionSettings, type LayerSource } from "./layers/layer-source.js";
import type { PushedDescriptor } from "./manifest-builder.js";
import type { PushProgress } from "./push-progress.js";
import { isFormOfLayer } from "./layers/remote-layer-check.js";
import { zstdSource } from "./layers/zstd-codec.js";
import type { RemoteImage } from "./remote-image.js";
import type { LandedBlob, SharedBlobs } from "./shared-blobs.js";
import {
  cancelUpload,
  chunksOf,
  closeUpload,
  mountBlob,
  patchChunk,
  patchStream,
  putWhole,
  sendEachChunk,
  startUpload,
  type UploadError,
} from "./upload/upload-session.js";
import { uploadResumable } from "./upload/resumable-upload.js";
import { UploadJournal } from "./upload/upload-journal.js";

/** Everything the blobs of one push share. */
export interface BlobPushContext {
  readonly client: RegistryClient;
  /** `host[:port]`. */
  readonly registry: string;
  readonly repository: string;
  readonly archivePath: string;
  readonly retry: RetrySettings;
  readonly compression: CompressionSettings;
  readonly chunkSizeBytes: number;
  /** Repositories of the registry to mount from, besides those the cache knows. */
  readonly mountFrom: ReadonlyArray<string>;
  readonly cache: BlobInfoCache;
  readonly remote: RemoteImage;
  /** How far what `remote` claims is believed: checked by download (`verify`) or taken as said (`trust`). */
  readonly remoteReuse: "verify" | "trust" | "off";
  readonly progress: PushProgress;
  /** Set once a proxy refused a large body (413): every later upload of the push goes in chunks. */
  readonly chunked: { value: boolean };
  /** Layers larger than this go in `PATCH`es of this size that a later attempt or process resumes; 0: never. */
  readonly resumeChunkBytes: number;
  /** The open sessions of resumable uploads. */
  readonly journal: UploadJournal;
  /** The blobs other pushes of this strategy instance are pushing or pushed: a shared layer is uploaded once. */
  readonly shared: SharedBlobs;
}

/** A blob on the registry, and the bytes sent to get it there (0 when it was present or mounted). */
export interface BlobOutcome {
  readonly descriptor: PushedDescriptor;
  readonly bytesSent: number;
}

/** The id progress uses for a layer blob. */
export const layerProgressId = (blob: LayerBlob): string => blob.digest ?? blob.layer.diffId;

/** Releases a session the attempt left open (failure or interruption); a completed one is already closed. */
const withSession = <A>(
  ctx: BlobPushContext,
  body: (track: (location: URL | undefined) => void) => Effect.Effect<A, UploadError>,
): Effect.Effect<A, UploadError> => {
  let open: URL | undefined;
  return body((location) => {
    open = location;
  }).pipe(Effect.onExit((exit) => (exit._tag === "Failure" && open !== undefined ? cancelUpload(ctx.client, open) : Effect.void)));
};

/** Uploads `open()` (known digest and size) in chunks after a 413, or from the start when asked to. */
const uploadChunked = (
  ctx: BlobPushContext,
  track: (location: URL | undefined) => void,
  source: () => Readable,
  digest: () => string | undefined,
): Effect.Effect<number, UploadError> =>
  Effect.gen(function* () {
    const started = yield* startUpload(ctx.client, ctx.repository);
    let location = started.location;
    track(location);
    const size = Math.max(ctx.chunkSizeBytes, started.minChunk);
    const stream = source();
    let offset = 0;
    yield* sendEachChunk(ctx.client, chunksOf(stream, size), () => location, (chunk) =>
      Effect.gen(function* () {
        location = yield* patchChunk(ctx.client, location, chunk, offset);
        track(location);
        offset += chunk.length;
      }),
    ).pipe(Effect.ensuring(Effect.sync(() => stream.destroy())));
    const final = digest();
    if (final === undefined) return yield* Effect.fail(new RegistryError({ registry: ctx.registry, reason: "a blob's stream ended before its digest was known" }));
    yield* closeUpload(ctx.client, location, final);
    track(undefined);
    return offset;
  });

/** One attempt at a blob whose digest and size are known: monolithic `PUT`, or chunks. */
const uploadKnown = (
  ctx: BlobPushContext,
  digest: string,
  size: number,
  open: () => Readable | Uint8Array,
  firstLocation: URL | undefined,
): Effect.Effect<number, UploadError> =>
  withSession(ctx, (track) =>
    Effect.gen(function* () {
      const asStream = (): Readable => {
        const body = open();
        return body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
      };
      if (!ctx.chunked.value) {
        const location = firstLocation ?? (yield* startUpload(ctx.client, ctx.repository)).location;
        track(location);
        const whole = yield* Effect.result(putWhole(ctx.client, location, digest, size, open));
        if (whole._tag === "Success") {
          track(undefined);
          return size;
        }
        if (whole.failure._tag !== "BodyTooLarge") return yield* Effect.fail(whole.failure);
        yield* cancelUpload(ctx.client, location);
        track(undefined);
        ctx.chunked.value = true;
      } else if (firstLocation !== undefined) {
        yield* cancelUpload(ctx.client, firstLocation);
      }
      return yield* uploadChunked(ctx, track, asStream, () => digest);
    }),
  );

/** One attempt at a layer whose pushed digest is only known once it was sent (compressed on the way). */
const uploadStreamed = (ctx: BlobPushContext, blob: LayerBlob, id: string): Effect.Effect<{ digest: string; size: number }, UploadError> =>
  withSession(ctx, (track) =>
    Effect.gen(function* () {
      let source: LayerSource | undefined;
      const open = (): LayerSource => {
        source?.destroy();
        ctx.progress.start(id);
        source = openLayerSource(ctx.archivePath, blob, ctx.compression, (n) => ctx.progress.bytes(id, n));
        return source;
      };
      const sent = () => source?.sent();
      return yield* Effect.gen(function* () {
        if (!ctx.chunked.value) {
          const { location } = yield* startUpload(ctx.client, ctx.repository);
          track(location);
          const patched = yield* Effect.result(patchStream(ctx.client, location, () => open().stream));
          if (patched._tag === "Success") {
            track(patched.success);
            const result = sent();
            if (result === undefined) return yield* Effect.fail(new RegistryError({ registry: ctx.registry, reason: "a layer's stream ended before its digest was known" }));
            yield* closeUpload(ctx.client, patched.success, result.digest);
            track(undefined);
            return result;
          }
          if (patched.failure._tag !== "BodyTooLarge") return yield* Effect.fail(patched.failure);
          yield* cancelUpload(ctx.client, location);
          track(undefined);
          ctx.chunked.value = true;
        }
        yield* uploadChunked(ctx, track, () => open().stream, () => sent()?.digest);
        const result = sent();
        if (result === undefined) return yield* Effect.fail(new RegistryError({ registry: ctx.registry, reason: "a layer's stream ended before its digest was known" }));
        return result;
      }).pipe(Effect.ensuring(Effect.sync(() => source?.destroy())));
    }),
  );

/** Bumped whenever a layer's compressed bytes could change for the same settings: older sessions are then never resumed. */
const RESUMABLE_FORM_VERSION = 1;

/** What identifies a layer's bytes as pushed: its digest when sent as stored, else its diff_id and how it is compressed. */
export const layerFormOf = (ctx: BlobPushContext, blob: LayerBlob): string =>
  blob.mode === "as-is"
    ? `as-is ${blob.digest ?? blob.layer.digest ?? blob.layer.diffId}`
    : // zstd's bytes depend on its build (WebAssembly on Node < 22.15, Node's zlib after): a session of one is not the other's.
      `${blob.mode} ${blob.layer.diffId} ${blob.codec === "zstd" ? `zstd from ${zstdSource()}` : "gzip"} level ${blob.codec === "zstd" ? ctx.compression.zstdLevel : ctx.compression.level} v${RESUMABLE_FORM_VERSION}`;

/** The journal's key of a layer's resumable session in this push's repository. */
const resumeKeyOf = (ctx: BlobPushContext, blob: LayerBlob): string => UploadJournal.keyOf(ctx.registry, ctx.repository, layerFormOf(ctx, blob));

/** One attempt at a large layer in resumable chunks (see {@link uploadResumable}). */
const uploadLayerResumable = (ctx: BlobPushContext, blob: LayerBlob, id: string) =>
  uploadResumable(ctx, resumeKeyOf(ctx, blob), () => {
    ctx.progress.start(id);
    const source = openLayerSource(ctx.archivePath, blob, ctx.compression, (n) => ctx.progress.bytes(id, n));
    return {
      stream: source.stream,
      digest: () => source.sent()?.digest,
      destroy: () => source.destroy(),
    };
  });

/** `HEAD /v2/<name>/blobs/<digest>`: the blob's size when present. */
const blobPresent = (ctx: BlobPushContext, digest: string): Effect.Effect<number | undefined, PushError> =>
  Effect.gen(function* () {
    const response = yield* ctx.client.call({ operation: "blob-check", method: "HEAD", url: `/v2/${ctx.repository}/blobs/${digest}` });
    if (response.status === 200) {
      const length = Number(response.headers["content-length"]);
      return Number.isFinite(length) ? length : -1;
    }
    if (response.status === 404) return undefined;
    return yield* Effect.fail(ctx.client.unexpected("blob-check", response));
  });

/** Finds `digest` on the registry (present, or mounted from a known repository); the location of a session a refused mount opened. */
const findOrMount = (ctx: BlobPushContext, digest: string): Effect.Effect<{ found: boolean; session: URL | undefined }, PushError> =>
  Effect.gen(function* () {
    if ((yield* blobPresent(ctx, digest)) !== undefined) return { found: true, session: undefined };
    const sources = [...new Set([...ctx.mountFrom, ...ctx.cache.repositoriesWith(digest, ctx.registry)])].filter((r) => r !== ctx.repository);
    let session: URL | undefined;
    for (const from of sources) {
      if (session !== undefined) yield* cancelUpload(ctx.client, session);
      const outcome = yield* mountBlob(ctx.client, ctx.repository, digest, from, pushScopes(ctx.repository, [from]));
      if (outcome.mounted) return { found: true, session: undefined };
      session = outcome.location;
    }
    return { found: false, session };
  });

const retried = <A>(ctx: BlobPushContext, attempt: Effect.Effect<A, UploadError>): Effect.Effect<A, PushError> =>
  attempt.pipe(
    retryTransient(ctx.retry, (wait) => ctx.progress.waiting(describeRetryWait(wait))),
    Effect.mapError((error): PushError => {
      if (error._tag === "UploadSessionLost") return error.toPushError();
      if (error._tag === "BodyTooLarge") return new RegistryError({ registry: error.registry, status: 413, reason: "a proxy refused the upload as too large" });
      return error;
    }),
  );

/** Pushes the config blob: skipped when present, else mounted or uploaded in one request. */
export const pushConfig = (ctx: BlobPushContext, config: ImagePlan["config"]): Effect.Effect<BlobOutcome, PushError> => {
  const descriptor: PushedDescriptor = { mediaType: config.mediaType, digest: config.digest, size: config.size };
  return retried(
    ctx,
    Effect.gen(function* () {
      ctx.progress.start(config.digest);
      const found = yield* findOrMount(ctx, config.digest);
      if (found.found) {
        ctx.progress.skipped(config.digest, "skipped: already exists");
        return { descriptor, bytesSent: 0 };
      }
      const sent = yield* uploadKnown(ctx, config.digest, config.size, () => config.bytes, found.session);
      ctx.progress.bytes(config.digest, config.size);
      ctx.progress.uploaded(config.digest);
      ctx.cache.recordLocation(config.digest, ctx.registry, ctx.repository);
      return { descriptor, bytesSent: sent };
    }),
  );
};

/** A compressed form of a layer, and whether its content is known (`claimed`: only another image says so). */
interface KnownForm {
  readonly digest: string;
  readonly size: number;
  readonly claimed: boolean;
}

/**
 * Forms of a layer in its codec the registry may hold already: those this strategy computed itself (the
 * cache), then those the tag's current image claims, unless the cache already vouches for them. A claimed
 * form is used only after {@link isFormOfLayer} verified it, unless `remoteReuse` is `trust`.
 */
const knownForms = (ctx: BlobPushContext, blob: LayerBlob): ReadonlyArray<KnownForm> => {
  if (blob.mode === "as-is") return blob.digest === undefined ? [] : [{ digest: blob.digest, size: blob.layer.size, claimed: false }];
  const codec = blob.codec ?? "gzip";
  const forms: KnownForm[] = ctx.cache.compressedForms(compressedFormKey(blob.layer.diffId, codec)).map((form) => ({ ...form, claimed: false }));
  for (const form of ctx.remote.byDiffId.get(blob.layer.diffId) ?? []) {
    if (layerCompressionOf(form.mediaType) !== codec || forms.some((known) => known.digest === form.digest)) continue;
    forms.push({ digest: form.digest, size: form.size, claimed: ctx.remoteReuse !== "trust" });
  }
  return forms;
};

/** The uncompressed size of a layer whose stored bytes are not compressed; undefined when it is not known. */
const uncompressedSizeOf = (blob: LayerBlob): number | undefined => (blob.mode === "compress" ? blob.layer.size : undefined);

/** How `landed` (pushed by another push of this process) is in this push's repository: already there, mounted, or not at all. */
const reuseLanded = (ctx: BlobPushContext, landed: LandedBlob): Effect.Effect<"present" | "mounted" | undefined, PushError> =>
  Effect.gen(function* () {
    if ((yield* blobPresent(ctx, landed.digest)) !== undefined) return "present";
    if (landed.repository === ctx.repository) return undefined;
    const outcome = yield* mountBlob(ctx.client, ctx.repository, landed.digest, landed.repository, pushScopes(ctx.repository, [landed.repository]));
    if (outcome.mounted) return "mounted";
    if (outcome.location !== undefined) yield* cancelUpload(ctx.client, outcome.location);
    return undefined;
  });

/**
 * Pushes one layer once per process: when another push of this strategy instance claimed the same
 * layer form on the same registry, waits for it and mounts its blob (a concurrent `pushMany` sends a
 * shared base layer once); otherwise claims it and pushes it as {@link pushLayerItself} does.
 */
export const pushLayer = (ctx: BlobPushContext, blob: LayerBlob): Effect.Effect<BlobOutcome, PushError> =>
  Effect.suspend(() => {
    const claim = ctx.shared.claim(`${ctx.registry} ${layerFormOf(ctx, blob)}`);
    if ("settle" in claim) {
      return pushLayerItself(ctx, blob).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() =>
            claim.settle(exit._tag === "Success" ? { digest: exit.value.descriptor.digest, size: exit.value.descriptor.size, repository: ctx.repository } : undefined),
          ),
        ),
      );
    }
    return Effect.gen(function* () {
      const landed = yield* Effect.promise(() => claim.waitFor);
      const reused = landed === undefined ? undefined : yield* reuseLanded(ctx, landed).pipe(retryTransient(ctx.retry));
      if (landed !== undefined && reused !== undefined) {
        const id = layerProgressId(blob);
        ctx.progress.start(id);
        ctx.progress.skipped(id, reused === "present" ? "skipped: already exists" : `skipped: mounted from ${landed.repository}, pushed by this run`);
        ctx.cache.recordLocation(landed.digest, ctx.registry, ctx.repository);
        return { descriptor: { mediaType: blob.mediaType, digest: landed.digest, size: landed.size }, bytesSent: 0 };
      }
      // The claimant failed (its claim is released: try again, maybe claiming it), or its blob cannot be mounted here.
      return yield* landed === undefined ? pushLayer(ctx, blob) : pushLayerItself(ctx, blob);
    });
  });

/**
 * Pushes one layer: skipped when the registry holds it (or a known compressed form of it), mounted
 * when a known repository has it, else uploaded (monolithic when its digest is known, streamed while
 * compressing otherwise, in chunks after a 413). Transient faults and lost sessions retry the layer
 * from the start, reopening its source.
 */
const pushLayerItself = (ctx: BlobPushContext, blob: LayerBlob): Effect.Effect<BlobOutcome, PushError> => {
  const id = layerProgressId(blob);
  /** A layer uploaded from its own bytes (compressed here unless sent as-is): noted, and its outcome. */
  const uploadedWhole = (result: { readonly digest: string; readonly size: number }): BlobOutcome => {
    ctx.progress.uploaded(id);
    if (blob.mode !== "as-is") ctx.cache.recordCompressed(compressedFormKey(blob.layer.diffId, blob.codec ?? "gzip"), result);
    ctx.cache.recordLocation(result.digest, ctx.registry, ctx.repository);
    return { descriptor: { mediaType: blob.mediaType, digest: result.digest, size: result.size }, bytesSent: result.size };
  };
  return retried(
    ctx,
    Effect.gen(function* () {
      let session: URL | undefined;
      for (const form of knownForms(ctx, blob)) {
        if (session !== undefined) yield* cancelUpload(ctx.client, session);
        const found = yield* findOrMount(ctx, form.digest);
        session = found.session;
        if (!found.found) continue;
        if (form.claimed) {
          // Only another image's config says this blob is our layer: download it and see.
          const verified = yield* isFormOfLayer(ctx.client, ctx.repository, form, { diffId: blob.layer.diffId, uncompressedSize: uncompressedSizeOf(blob) });
          if (!verified) continue;
          ctx.cache.recordCompressed(compressedFormKey(blob.layer.diffId, blob.codec ?? "gzip"), { digest: form.digest, size: form.size });
        }
        ctx.progress.skipped(id, form.claimed ? "skipped: already exists (verified)" : "skipped: already exists");
        ctx.cache.recordLocation(form.digest, ctx.registry, ctx.repository);
        return { descriptor: { mediaType: blob.mediaType, digest: form.digest, size: form.size }, bytesSent: 0 };
      }
      if (ctx.resumeChunkBytes > 0 && blob.layer.size > ctx.resumeChunkBytes) {
        if (session !== undefined) yield* cancelUpload(ctx.client, session);
        return uploadedWhole(yield* uploadLayerResumable(ctx, blob, id));
      }
      if (blob.mode === "as-is" && blob.digest !== undefined) {
        const digest = blob.digest;
        const open = () => {
          ctx.progress.start(id);
          return openLayerSource(ctx.archivePath, blob, ctx.compression, (n) => ctx.progress.bytes(id, n)).stream;
        };
        const sent = yield* uploadKnown(ctx, digest, blob.layer.size, open, session);
        ctx.progress.uploaded(id);
        ctx.cache.recordLocation(digest, ctx.registry, ctx.repository);
        return { descriptor: { mediaType: blob.mediaType, digest, size: blob.layer.size }, bytesSent: sent };
      }
      if (session !== undefined) yield* cancelUpload(ctx.client, session);
      return uploadedWhole(yield* uploadStreamed(ctx, blob, id));
    }),
  );
};
