import type { AuthenticationFailed, CredentialsVerifier, DeniedPush, TlsSettings } from "@skopush/core";
import { candidateSchemes, type TransportOptions } from "@skopush/registry-client";
import * as Effect from "effect/Effect";
import type { HarborTlsOptions } from "./harbor-transport.js";
import { TokenServiceClient } from "./token-service-client.js";

/** Options of {@link TokenServiceCredentialsVerifier}. */
export interface TokenServiceCredentialsVerifierOptions {
  /** Time limit of each request to the registry. @default 5000 */
  readonly timeoutMs?: number | undefined;
  /** How to talk HTTP beyond the time limit (name resolution, `User-Agent`). @default the transport's defaults */
  readonly transport?: TransportOptions | undefined;
}

const harborTls = (tls: TlsSettings): HarborTlsOptions => ({ caFile: tls.caFile, certDir: tls.certDir, insecure: !tls.verify });

/**
 * Tells a wrong password from missing rights after a denied push by asking the registry's token service
 * (Harbor's `/service/token`, or any Docker token service) about the credentials alone, without a scope:
 * 401 means refused. The skopeo strategies see Harbor's answer to a wrong password only as "denied".
 * Over https, trusting the push's CA file or cert dir; over plain http when https cannot be reached only
 * where the registry client's scheme rule allows it (a loopback registry, or TLS verification turned off). Credentials go only where the
 * registry client's credentials rule allows.
 */
export class TokenServiceCredentialsVerifier implements CredentialsVerifier {
  constructor(private readonly options: TokenServiceCredentialsVerifierOptions = {}) {}

  refusal(push: DeniedPush): Effect.Effect<AuthenticationFailed | undefined> {
    const ask = (scheme: "https" | "http") =>
      new TokenServiceClient({
        registryUrl: `${scheme}://${push.registry}`,
        tls: harborTls(push.tls),
        timeoutMs: this.options.timeoutMs ?? 5_000,
        retry: { times: 0, baseDelayMs: 0, maxDelayMs: 0 },
        transport: this.options.transport,
      }).refusal(push.credentials);
    const [first, ...others] = candidateSchemes(push.registry, push.tls.verify);
    return others.reduce(
      (asked, scheme) => Effect.flatMap(asked, (refusal) => (refusal !== undefined ? Effect.succeed(refusal) : ask(scheme))),
      ask(first ?? "https"),
    );
  }
}
