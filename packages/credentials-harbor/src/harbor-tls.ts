import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import { Effect } from "effect";
import { CredentialsError } from "@skopush/core";

/** How Harbor's certificate is checked. Verified against the system roots unless told otherwise. */
export interface HarborTlsOptions {
  /** A PEM file of CA certificates trusted in addition to the system roots (Harbor's `/systeminfo/getcert`). */
  readonly caFile?: string | undefined;
  /** PEM text of CA certificates, as an alternative to {@link caFile}. */
  readonly ca?: string | undefined;
  /** Skip certificate verification. An explicit opt-in for test setups. @default false */
  readonly insecure?: boolean | undefined;
}

/** The agents one client uses: no keep-alive pool outlives a push, and no cookie jar exists anywhere. */
export interface HarborAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/** Builds the agents for {@link HarborTlsOptions}, reading the CA file; a missing CA file is a `CredentialsError`. */
export const makeAgents = (tls: HarborTlsOptions = {}): Effect.Effect<HarborAgents, CredentialsError> =>
  Effect.gen(function* () {
    const extra: string[] = [];
    if (tls.ca) extra.push(tls.ca);
    if (tls.caFile) {
      const caFile = tls.caFile;
      extra.push(
        yield* Effect.tryPromise({
          try: () => readFile(caFile, "utf8"),
          catch: (cause) =>
            new CredentialsError({
              source: caFile,
              reason: `the CA file cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"})`,
              fix: "pass the path of a PEM file holding Harbor's CA certificate",
              cause,
            }),
        }),
      );
    }
    return {
      http: new http.Agent({ keepAlive: false }),
      https: new https.Agent({
        keepAlive: false,
        // `ca` replaces Node's roots: add to them instead.
        ca: extra.length > 0 ? [...rootCertificates, ...extra] : undefined,
        rejectUnauthorized: tls.insecure !== true,
      }),
    };
  });
