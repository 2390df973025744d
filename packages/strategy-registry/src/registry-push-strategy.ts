import * as zlib from "node:zlib";
import { openImageArchive, openOptionsOf, type ImageArchive } from "@skopush/archive";
import {
  cancelOnAbort,
  describeRetryWait,
  StrategyFailed,
  StrategyUnavailable,
  type ProgressSink,
  type PushError,
  type PushOutcome,
  type PushRequest,
  type PushStrategy,
} from "@skopush/core";
import * as Effect from "effect/Effect";
import { inject, injectable } from "tsyringe";
import { pushScopes, RegistryClient, TokenCache, transportTimeoutsOf, verifyPushed } from "@skopush/registry-client";
import { BlobInfoCache } from "./blob-info-cache.js";
import { UploadJournal } from "./upload/upload-journal.js";
import { layerProgressId, pushConfig, pushLayer, type BlobPushContext } from "./blob-pusher.js";
import { planImage, type ImagePlan } from "./image-plan.js";
import { Permits } from "./layers/permits.js";
import { buildManifest, type BuiltManifest, type PushedDescriptor } from "./manifest-builder.js";
import { putManifest } from "./manifest-push.js";
import { buildIndex } from "./index-builder.js";
import { PushProgress, type TrackedBlob } from "./push-progress.js";
import {
  REGISTRY_PUSH_OPTIONS,
  resolveRegistryPushOptions,
  type RegistryPushOptions,
  type ResolvedRegistryPushOptions,
} from "./registry-push-options.js";
import { SharedBlobs } from "./shared-blobs.js";
import { discoverRemoteImage, NO_REMOTE_IMAGE, type RemoteImage } from "./remote-image.js";

/** The remote manifest's exact bytes when they describe exactly what we would push: re-tagging changes nothing. */
const sameAsRemote = (remote: RemoteImage, plan: ImagePlan, built: BuiltManifest, layers: ReadonlyArray<PushedDescriptor>): BuiltManifest | undefined => {
  const manifest = remote.manifest;
  if (manifest === undefined || manifest.mediaType !== built.mediaType || manifest.configDigest !== plan.config.digest) return undefined;
  if (manifest.layers.length !== layers.length) return undefined;
  const same = manifest.layers.every((l, i) => l.digest === layers[i]?.digest && l.mediaType === layers[i]?.mediaType && l.size === layers[i]?.size);
  return same ? { bytes: manifest.bytes, digest: manifest.digest, mediaType: manifest.mediaType } : undefined;
};

/**
 * Pushes with skopush's own OCI distribution client, in pure TypeScript: no skopeo, no Docker, only
 * Node. Layers stream from the archive (never whole in memory); uncompressed ones are gzip-compressed on
 * the way, in parallel, storing what does not compress; every layer is checked against its digest and
 * diff_id as it is read. Blobs the registry holds are skipped, blobs a known repository holds are
 * mounted, the others uploaded (chunked after a proxy's 413), several at once, each retried on
 * transient faults; the manifest goes last, once every blob is confirmed.
 */
@injectable()
export class RegistryPushStrategy implements PushStrategy {
  readonly name: string;
  readonly description = "skopush's own registry client (no skopeo, no Docker)";
  /** The options in force, defaults applied. */
  readonly options: ResolvedRegistryPushOptions;
  private readonly tokens = new TokenCache();
  private readonly shared = new SharedBlobs();

  constructor(@inject(REGISTRY_PUSH_OPTIONS, { isOptional: true }) options?: RegistryPushOptions) {
    this.options = resolveRegistryPushOptions(options);
    this.name = this.options.name;
  }

  /** Available wherever this Node has what the client uses (zlib's crc32: Node 20.15+, 22.2+). */
  probe(): Effect.Effect<void, StrategyUnavailable> {
    return typeof zlib.crc32 === "function"
      ? Effect.void
      : Effect.fail(
          new StrategyUnavailable({ strategy: this.name, reason: `Node ${process.version} has no zlib.crc32`, fix: "run skopush on Node 20.19 or later" }),
        );
  }

  push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    const self = this;
    const options = this.options;
    const pushing = Effect.scoped(
      Effect.gen(function* () {
        const destination = request.destination;
        const archive: ImageArchive = yield* openImageArchive(
          request.archive.path,
          openOptionsOf(request.archive, destination, { tempDirectory: options.tempDirectory, strategy: self.name }),
        );
        // A multi-platform image: each platform's image is pushed by digest, the index last under the tag.
        const images: ReadonlyArray<ImageArchive> =
          archive.index === undefined
            ? [archive]
            : archive.index.images.map((image) => ({ ...archive, config: image.config, layers: image.layers, manifest: image.manifest, index: undefined }));
        const plans: ImagePlan[] = [];
        for (const image of images) {
          const plan = planImage(image, request.manifestFormat, request.compression ?? options.compression);
          if (plan instanceof StrategyFailed) return yield* Effect.fail(plan);
          plans.push(plan);
        }
        const repository = destination.repository;
        const reference = destination.manifestReference;
        const tracked = new Map<string, TrackedBlob>();
        for (const plan of plans) {
          tracked.set(plan.config.digest, { id: plan.config.digest, kind: "config", total: plan.config.size });
          for (const blob of plan.layers) tracked.set(layerProgressId(blob), { id: layerProgressId(blob), kind: "layer", total: blob.layer.size });
        }
        const tracker = new PushProgress(progress, [...tracked.values()]);
        const layerCount = images.reduce((sum, image) => sum + image.layers.length, 0);
        const platforms = archive.index === undefined ? "" : ` of ${archive.index.images.length} platforms`;
        tracker.preparing(`Pushing ${layerCount} layers${platforms} of ${request.archive.path} to ${destination}`);
        const cache = yield* Effect.promise(() => BlobInfoCache.load(options.blobInfoCacheDir));
        const journal = new UploadJournal(options.blobInfoCacheDir, options.uploadSessionMaxAgeMs);
        yield* Effect.promise(() => journal.sweep());
        const client = yield* RegistryClient.connect(
          {
            host: destination.registry,
            repository,
            credentials: request.credentials,
            tls: request.tls,
            transport: request.timeouts === undefined ? options.transport : { ...options.transport, timeouts: transportTimeoutsOf(request.timeouts) },
            scopes: pushScopes(repository),
            archivePath: request.archive.path,
          },
          self.tokens,
        );
        const first = plans[0] as ImagePlan;
        const remote =
          options.reuseRemoteLayers !== "off" && destination.digest === undefined && archive.index === undefined
            ? yield* discoverRemoteImage(client, repository, reference, first.config.digest, archive.config.diffIds)
            : NO_REMOTE_IMAGE;
        const ctx: BlobPushContext = {
          client,
          registry: destination.registry,
          repository,
          archivePath: request.archive.path,
          retry: request.retry,
          // One more block than threads keeps every core busy while a finished block is handed on.
          compression: { level: options.compressionLevel, zstdLevel: options.zstdLevel, threads: options.compressionThreads, permits: new Permits(options.compressionThreads + 1) },
          chunkSizeBytes: options.chunkSizeBytes,
          mountFrom: options.mountFrom,
          cache,
          remote,
          remoteReuse: options.reuseRemoteLayers,
          progress: tracker,
          chunked: { value: options.chunkedUploads },
          resumeChunkBytes: options.resumeChunkBytes,
          journal,
          shared: self.shared,
        };
        let bytesPushed = 0;
        const pushedManifests: BuiltManifest[] = [];
        for (const [i, image] of images.entries()) {
          const plan = plans[i] as ImagePlan;
          const [config, ...layers] = yield* Effect.forEach(
            [() => pushConfig(ctx, plan.config), ...plan.layers.map((blob) => () => pushLayer(ctx, blob))],
            (run) => run(),
            { concurrency: options.concurrency },
          );
          const byPosition: PushedDescriptor[] = new Array(plan.layerCount);
          plan.layers.forEach((blob, j) => {
            for (const position of blob.positions) byPosition[position] = (layers[j] as (typeof layers)[number]).descriptor;
          });
          const built = buildManifest(image, plan, byPosition);
          const manifest = sameAsRemote(remote, plan, built, byPosition) ?? built;
          bytesPushed += [config, ...layers].reduce((sum, outcome) => sum + (outcome?.bytesSent ?? 0), 0) + manifest.bytes.length;
          if (archive.index !== undefined) {
            tracker.manifest(`${destination.name}@${manifest.digest} (${archive.index.images[i]?.platform})`);
            yield* putManifest(client, destination.registry, repository, manifest.digest, manifest, request.retry, request.timeouts?.manifestMs, (wait) =>
              tracker.waiting(describeRetryWait(wait)),
            );
          }
          pushedManifests.push(manifest);
        }
        yield* Effect.promise(() => cache.save());
        const top = archive.index === undefined ? (pushedManifests[0] as BuiltManifest) : buildIndex(archive.index, first.family, pushedManifests);
        if (archive.index !== undefined) bytesPushed += top.bytes.length;
        tracker.manifest(`${destination}`);
        const digest = yield* putManifest(client, destination.registry, repository, reference, top, request.retry, request.timeouts?.manifestMs, (wait) =>
          tracker.waiting(describeRetryWait(wait)),
        );
        yield* verifyPushed(
          client,
          destination.registry,
          repository,
          reference,
          archive.index === undefined
            ? { digest, configDigest: first.config.digest }
            : { digest, configDigest: undefined, manifests: pushedManifests.map((manifest) => manifest.digest) },
        );
        tracker.finished(`Pushed ${destination} ${digest}`);
        return { digest, bytesPushed, verified: true, compression: first.compression };
      }),
    );
    // The chain watches the signal too; honouring it here makes the strategy safe to call on its own.
    return cancelOnAbort(pushing, request.signal);
  }
}
