import type { Credentials } from "./credentials.js";
import type { ImageReference } from "./image-reference.js";

/** The archive formats skopush pushes. */
export type ArchiveFormat = "docker-archive" | "oci-archive";

/** The image tarball to push. */
export interface ArchiveSource {
  readonly path: string;
  /** Detected from the archive's contents when absent. */
  readonly format?: ArchiveFormat | undefined;
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
}

/** The manifest format written to the registry; the source's own when absent. */
export type ManifestFormat = "oci" | "v2s2";

/** Everything a strategy needs to push one archive to one destination. */
export interface PushRequest {
  readonly archive: ArchiveSource;
  readonly destination: ImageReference;
  /** Already resolved through a `CredentialsProvider`; absent for anonymous pushes. */
  readonly credentials?: Credentials | undefined;
  readonly tls: TlsSettings;
  readonly retry: RetrySettings;
  readonly manifestFormat?: ManifestFormat | undefined;
  /** Aborting it cancels the push; everything the push created is removed. */
  readonly signal?: AbortSignal | undefined;
}

/** Defaults of {@link RetrySettings}. */
export const defaultRetrySettings: RetrySettings = { times: 3, baseDelayMs: 500, maxDelayMs: 10_000 };

/** Defaults of {@link TlsSettings}: verify. */
export const defaultTlsSettings: TlsSettings = { verify: true };
