import type { Credentials } from "./credentials.js";
import type { ImageReference } from "./image-reference.js";

/** The archive formats skopush pushes. */
export type ArchiveFormat = "docker-archive" | "oci-archive";

/** The image tarball to push. */
export interface ArchiveSource {
  readonly path: string;
  /** Detected from the archive's contents when absent. */
  readonly format?: ArchiveFormat | undefined;
  /**
   * One platform of a multi-platform image, `os/architecture[/variant]` (e.g. `linux/arm64`). Without it an
   * image index whose platforms are all in the archive is pushed whole: every platform, then the index.
   */
  readonly platform?: string | undefined;
  /**
   * Which image of an archive holding several: a `RepoTags` entry (docker-archive) or a ref name (OCI).
   * Without it the image whose name matches the destination's repository and tag is pushed, if exactly one does.
   */
  readonly image?: string | undefined;
}

/** How the registry's certificate is checked. */
export interface TlsSettings {
  /**
   * Verify the registry's certificate. `false` also allows plain http, as skopeo's
   * `--dest-tls-verify=false` does; it is an explicit opt-in.
   * @default true
   */
  readonly verify: boolean;
  /** A PEM file of CA certificates to trust in addition to the system roots. */
  readonly caFile?: string | undefined;
  /** A directory in containers-certs.d(5) form: `*.crt` CA roots, `*.cert`/`*.key` client pairs. */
  readonly certDir?: string | undefined;
}

/** How transient faults (connection reset, 502/503/504, 429) are retried. */
export interface RetrySettings {
  /** Retries after the first try. @default 3 */
  readonly times: number;
  /** First backoff delay; doubles each retry, with jitter. @default 500 */
  readonly baseDelayMs: number;
  /** Upper bound of one backoff delay. @default 10000 */
  readonly maxDelayMs: number;
  /**
   * Upper bound of a wait a registry asks for with `Retry-After` (a 429 or 503): longer requests are
   * waited this long, then tried again. @default 60000
   */
  readonly maxRetryAfterMs?: number | undefined;
}

/**
 * Time limits of each stage of a push; each ends the push with a `Timeout` naming the stage and the
 * address. The registry strategy applies them to every request; the skopeo strategies to their
 * pre-flight from Node (skopeo itself has no time limits).
 */
export interface PushTimeouts {
  /** To open a connection to the registry, TLS handshake included. @default 30000 */
  readonly connectMs: number;
  /** From a request sent in full to the first byte of its answer. @default 60000 */
  readonly responseMs: number;
  /** Without a byte moving while a blob is uploaded or an answer read: a stalled upload. @default 60000 */
  readonly stallMs: number;
  /** For the answer to the manifest PUT (a registry may check every blob first). @default 120000 */
  readonly manifestMs: number;
  /**
   * For the whole push, every strategy tried included; what runs is stopped (skopeo too) and nothing is
   * left. Bounds what no stage limit sees, such as an upload dripping a byte a second. @default 10800000 (3 h)
   */
  readonly totalMs?: number | undefined;
}

/** Defaults of {@link PushTimeouts}. */
export const defaultPushTimeouts: PushTimeouts = { connectMs: 30_000, responseMs: 60_000, stallMs: 60_000, manifestMs: 120_000, totalMs: 10_800_000 };

/** The manifest format written to the registry; the source's own when absent. */
export type ManifestFormat = "oci" | "v2s2";

/**
 * What layers stored uncompressed are sent as: gzip (every registry and runtime), zstd (OCI
 * `tar+zstd`, so an OCI manifest; containerd ≥ 1.5, Docker ≥ 23) or none (uncompressed tar, for fast
 * local networks). See docs/compression.md for which strategies honour it.
 */
export type LayerCompressionChoice = "gzip" | "zstd" | "none";

/** Every {@link LayerCompressionChoice}, for parsers. */
export const LAYER_COMPRESSION_CHOICES: ReadonlyArray<LayerCompressionChoice> = ["gzip", "zstd", "none"];

/** Everything a strategy needs to push one archive to one destination. */
export interface PushRequest {
  readonly archive: ArchiveSource;
  readonly destination: ImageReference;
  /** Already resolved through a `CredentialsProvider`; absent for anonymous pushes. */
  readonly credentials?: Credentials | undefined;
  readonly tls: TlsSettings;
  readonly retry: RetrySettings;
  /** Time limits per stage; {@link defaultPushTimeouts} when absent. */
  readonly timeouts?: PushTimeouts | undefined;
  readonly manifestFormat?: ManifestFormat | undefined;
  /** How layers stored uncompressed are compressed; gzip when absent. */
  readonly compression?: LayerCompressionChoice | undefined;
  /** Aborting it cancels the push; everything the push created is removed. */
  readonly signal?: AbortSignal | undefined;
}

/** Defaults of {@link RetrySettings}. */
export const defaultRetrySettings: RetrySettings = { times: 3, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

/** Defaults of {@link TlsSettings}: verify. */
export const defaultTlsSettings: TlsSettings = { verify: true };
