import { LAYER_COMPRESSION_CHOICES, type LayerCompressionChoice, type StrategyOptions } from "@skopush/core";
import type { LookupFunction } from "node:net";
import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { resolveTransportOptions, type ResolvedTransportOptions } from "@skopush/registry-client";

/** How the `registry` strategy talks HTTP. */
export interface RegistryHttpOptions {
  /** Reuse connections between requests of one push. @default true */
  readonly keepAlive?: boolean | undefined;
  /** Connections per registry host at once. @default concurrency + 2 */
  readonly maxSockets?: number | undefined;
  /** Time to establish a connection (TCP and TLS), in ms; a push's own `timeouts.connectMs` wins. @default 30000 */
  readonly connectTimeoutMs?: number | undefined;
  /** Time a request may go without sending or receiving a byte, in ms; a push's own `timeouts.stallMs` wins. @default 300000 */
  readonly idleTimeoutMs?: number | undefined;
  /** Sent as `User-Agent`. @default "skopush" */
  readonly userAgent?: string | undefined;
  /** Resolves host names (a test maps its names to 127.0.0.1 with it). @default Node's DNS lookup */
  readonly lookup?: LookupFunction | undefined;
}

/** Options of the `registry` strategy; every one has a default, so `new RegistryPushStrategy()` works. */
export interface RegistryPushOptions extends StrategyOptions {
  /** The environment read (`XDG_CACHE_HOME` for the blob-info cache), as every strategy's `env`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Blobs uploaded at once. @default 4 */
  readonly concurrency?: number | undefined;
  /**
   * The largest request body of a chunked upload: used after a proxy refused a large upload with 413
   * (nginx's default `client_max_body_size` is 1 MiB), or always with {@link chunkedUploads}. @default 1048576
   */
  readonly chunkSizeBytes?: number | undefined;
  /** Upload every blob in chunks of {@link chunkSizeBytes} from the start, without trying one request first. @default false */
  readonly chunkedUploads?: boolean | undefined;
  /**
   * Layers larger than this are sent in `PATCH`es of this many bytes, each remembered (owner-only, in
   * the cache directory), so a cut connection, a retry or a re-run after a kill continues the upload
   * session where the registry says it stands instead of from byte 0; `0` turns resuming off.
   * See docs/strategies/registry.md. @default 16777216 (16 MiB)
   */
  readonly resumeChunkBytes?: number | undefined;
  /**
   * A saved upload session older than this is never resumed (and is removed): the registry purges
   * abandoned sessions (distribution: after 7 days by default), and a young session is worth more. @default 86400000 (24 h)
   */
  readonly uploadSessionMaxAgeMs?: number | undefined;
  /**
   * Repositories of the destination registry that may already hold some blobs, e.g. `["base/node"]`:
   * a blob found missing is first mounted from them (no upload). Needs pull access to them. @default []
   */
  readonly mountFrom?: ReadonlyArray<string> | undefined;
  /**
   * gzip level for the compressible parts of layers stored uncompressed: 1 (fastest) to 9 (smallest).
   * Level 1 is ~2–5x faster than 6 with Node's zlib for 5–20 % more bytes; see docs/strategies/registry.md. @default 1
   */
  readonly compressionLevel?: number | undefined;
  /**
   * What layers stored uncompressed are sent as when the push request does not say: gzip, zstd (OCI
   * `tar+zstd`; Node's zstd on 22.15+, a WebAssembly libzstd before) or none. See docs/compression.md. @default "gzip"
   */
  readonly compression?: LayerCompressionChoice | undefined;
  /** zstd level for `compression: "zstd"`, 1 (fastest) to 19. @default 3 */
  readonly zstdLevel?: number | undefined;
  /** Blocks of one layer compressed at once on the libuv thread pool. @default os.availableParallelism() */
  readonly compressionThreads?: number | undefined;
  /**
   * Where the digests of layers this strategy compressed (or verified) are remembered (diff_id → pushed
   * digest), so a later push finds them on the registry without compressing again; `false` keeps no
   * cache. A cache file that is not this user's alone (owned by another, or writable by others) is
   * ignored, never written. @default `$XDG_CACHE_HOME/skopush`, else `~/.cache/skopush`
   */
  readonly blobInfoCacheDir?: string | false | undefined;
  /**
   * Whether to reuse layers the destination tag's current image holds. Its config names the diff_id of
   * each of its gzip layers, but anyone who may push to the repository wrote that config:
   * - `"verify"` (or `true`): reuse such a layer only after downloading it and checking that it
   *   decompresses to our layer (then the cache remembers it, and later pushes skip the download);
   * - `"trust"`: reuse it on the config's word, as skopush did before: no download, but another pusher can
   *   make your tag point at their layers. Only for repositories no one else can push to;
   * - `false`: do not read the tag; only blobs this strategy pushed itself (the cache) are reused.
   * @default "verify"
   */
  readonly reuseRemoteLayers?: boolean | "verify" | "trust" | undefined;
  /**
   * Also trust CA certificates from the containers-certs.d(5) directories of the registry host
   * (`/etc/containers/certs.d/<host>`, `~/.config/containers/certs.d/<host>`, `/etc/docker/certs.d/<host>`),
   * as skopeo and Docker do, when the request names no `certDir`. @default true
   */
  readonly systemCertDirs?: boolean | undefined;
  /** Where a gzip-compressed archive is decompressed before its layers are read. @default os.tmpdir() */
  readonly tempDirectory?: string | undefined;
  /** HTTP settings. */
  readonly http?: RegistryHttpOptions | undefined;
}

/** {@link RegistryPushOptions} with every default applied. */
export interface ResolvedRegistryPushOptions {
  readonly name: string;
  readonly concurrency: number;
  readonly chunkSizeBytes: number;
  readonly chunkedUploads: boolean;
  readonly resumeChunkBytes: number;
  readonly uploadSessionMaxAgeMs: number;
  readonly mountFrom: ReadonlyArray<string>;
  readonly compressionLevel: number;
  readonly compression: LayerCompressionChoice;
  readonly zstdLevel: number;
  readonly compressionThreads: number;
  readonly blobInfoCacheDir: string | false;
  readonly reuseRemoteLayers: "verify" | "trust" | "off";
  readonly systemCertDirs: boolean;
  readonly tempDirectory: string | undefined;
  readonly http: Required<Omit<RegistryHttpOptions, "lookup">>;
  /** The registry client's transport options, made from {@link http} and {@link systemCertDirs}. */
  readonly transport: ResolvedTransportOptions;
}

/** The default cache directory: `$XDG_CACHE_HOME/skopush`, else `~/.cache/skopush`. */
export const defaultBlobInfoCacheDir = (env: Readonly<Record<string, string | undefined>> = process.env): string =>
  join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "skopush");

const positiveInteger = (value: number | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`[skopush] [registry] ${name} must be a positive integer, got ${value}`);
  return value;
};

/** Applies the defaults of {@link RegistryPushOptions}; throws a `RangeError` on an invalid value. */
export const resolveRegistryPushOptions = (options: RegistryPushOptions = {}): ResolvedRegistryPushOptions => {
  const concurrency = positiveInteger(options.concurrency, 4, "concurrency");
  const compressionLevel = options.compressionLevel ?? 1;
  if (!Number.isInteger(compressionLevel) || compressionLevel < 1 || compressionLevel > 9) {
    throw new RangeError(`[skopush] [registry] compressionLevel must be an integer from 1 to 9, got ${compressionLevel}`);
  }
  const zstdLevel = options.zstdLevel ?? 3;
  if (!Number.isInteger(zstdLevel) || zstdLevel < 1 || zstdLevel > 19) {
    throw new RangeError(`[skopush] [registry] zstdLevel must be an integer from 1 to 19, got ${zstdLevel}`);
  }
  const compression = options.compression ?? "gzip";
  if (!LAYER_COMPRESSION_CHOICES.includes(compression)) {
    throw new RangeError(`[skopush] [registry] compression must be one of ${LAYER_COMPRESSION_CHOICES.join(", ")}, got ${String(compression)}`);
  }
  const http = {
    keepAlive: options.http?.keepAlive ?? true,
    maxSockets: positiveInteger(options.http?.maxSockets, concurrency + 2, "http.maxSockets"),
    connectTimeoutMs: positiveInteger(options.http?.connectTimeoutMs, 30_000, "http.connectTimeoutMs"),
    idleTimeoutMs: positiveInteger(options.http?.idleTimeoutMs, 300_000, "http.idleTimeoutMs"),
    userAgent: options.http?.userAgent ?? "skopush",
  };
  const systemCertDirs = options.systemCertDirs ?? true;
  return {
    name: options.name ?? "registry",
    concurrency,
    chunkSizeBytes: positiveInteger(options.chunkSizeBytes, 1024 * 1024, "chunkSizeBytes"),
    chunkedUploads: options.chunkedUploads ?? false,
    resumeChunkBytes: options.resumeChunkBytes === 0 ? 0 : positiveInteger(options.resumeChunkBytes, 16 << 20, "resumeChunkBytes"),
    uploadSessionMaxAgeMs: positiveInteger(options.uploadSessionMaxAgeMs, 24 * 3600_000, "uploadSessionMaxAgeMs"),
    mountFrom: [...(options.mountFrom ?? [])],
    compressionLevel,
    compression,
    zstdLevel,
    compressionThreads: positiveInteger(options.compressionThreads, Math.max(1, availableParallelism()), "compressionThreads"),
    blobInfoCacheDir: options.blobInfoCacheDir ?? defaultBlobInfoCacheDir(options.env ?? process.env),
    reuseRemoteLayers: options.reuseRemoteLayers === false ? "off" : options.reuseRemoteLayers === "trust" ? "trust" : "verify",
    systemCertDirs,
    tempDirectory: options.tempDirectory,
    http,
    transport: resolveTransportOptions({
      timeouts: { connectTimeoutMs: http.connectTimeoutMs, idleTimeoutMs: http.idleTimeoutMs },
      keepAlive: http.keepAlive,
      maxSockets: http.maxSockets,
      userAgent: http.userAgent,
      systemCertDirs,
      lookup: options.http?.lookup,
    }),
  };
};

/** DI token of optional {@link RegistryPushOptions} for `RegistryPushStrategy`. */
export const REGISTRY_PUSH_OPTIONS = Symbol.for("@skopush/strategy-registry/RegistryPushOptions");
