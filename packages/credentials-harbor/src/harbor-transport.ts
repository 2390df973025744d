import { CredentialsError } from "@skopush/core";
import { resolveTransportOptions, Transport, type TransportOptions } from "@skopush/registry-client";
import * as Effect from "effect/Effect";

/** How Harbor's certificate is checked. Verified against the system roots unless told otherwise. */
export interface HarborTlsOptions {
  /** A PEM file of CA certificates trusted in addition to the system roots (Harbor's `/systeminfo/getcert`). */
  readonly caFile?: string | undefined;
  /** PEM text of CA certificates, as an alternative to {@link caFile}. */
  readonly ca?: string | undefined;
  /** A containers-certs.d(5) directory of CA certificates (`*.crt`) and a client pair. */
  readonly certDir?: string | undefined;
  /** Skip certificate verification (and allow credentials over plain http). An explicit opt-in for test setups. @default false */
  readonly insecure?: boolean | undefined;
}

/**
 * The transport of one Harbor client: no keep-alive pool outlives a call (and no cookie jar exists
 * anywhere), one request limit for connecting and for silence. A CA file that cannot be read is a
 * `CredentialsError` naming it: Harbor's checks are part of getting credentials.
 */
export const harborTransport = (
  registry: string,
  tls: HarborTlsOptions = {},
  timeoutMs: number,
  options: TransportOptions = {},
): Effect.Effect<Transport, CredentialsError> =>
  Transport.make({
    registry,
    trust: { verify: tls.insecure !== true, caFile: tls.caFile, ca: tls.ca, certDir: tls.certDir },
    options: resolveTransportOptions({ keepAlive: false, ...options, timeouts: { connectTimeoutMs: timeoutMs, idleTimeoutMs: timeoutMs, ...options.timeouts } }),
  }).pipe(
    Effect.mapError(
      (error) =>
        new CredentialsError({
          source: error.path ?? tls.caFile ?? "the CA certificates",
          reason: `the CA file cannot be read (${error.code ?? "error"})`,
          fix: "pass the path of a PEM file holding Harbor's CA certificate",
          cause: error.cause,
        }),
    ),
  );
