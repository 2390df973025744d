import * as Effect from "effect/Effect";
import type { AuthenticationFailed, CredentialsVerifier, DeniedPush, TlsSettings } from "@skopush/core";
import type { HarborTlsOptions } from "./harbor-tls.js";
import { TokenServiceClient } from "./token-service-client.js";

/** Options of {@link TokenServiceCredentialsVerifier}. */
export interface TokenServiceCredentialsVerifierOptions {
  /** Time limit of each request to the registry. @default 5000 */
  readonly timeoutMs?: number | undefined;
}

const harborTls = (tls: TlsSettings): HarborTlsOptions => ({ caFile: tls.caFile, insecure: !tls.verify });

/**
 * Tells a wrong password from missing rights after a denied push by asking the registry's token service
 * (Harbor's `/service/token`, or any Docker token service) about the credentials alone, without a scope:
 * 401 means refused. The skopeo strategies see Harbor's answer to a wrong password only as "denied".
 * Over https; with TLS verification off (the explicit opt-in that also allows plain http), over http when
 * https cannot be reached. A CA directory (`certDir`) is not read: such a registry is not asked.
 */
export class TokenServiceCredentialsVerifier implements CredentialsVerifier {
  constructor(private readonly options: TokenServiceCredentialsVerifierOptions = {}) {}

  refusal(push: DeniedPush): Effect.Effect<AuthenticationFailed | undefined> {
    if (push.tls.certDir !== undefined && push.tls.caFile === undefined && push.tls.verify) return Effect.succeed(undefined);
    const ask = (scheme: "https" | "http") =>
      new TokenServiceClient({
        registryUrl: `${scheme}://${push.registry}`,
        tls: harborTls(push.tls),
        timeoutMs: this.options.timeoutMs ?? 5_000,
        retry: { times: 0, baseDelayMs: 0, maxDelayMs: 0 },
      }).refusal(push.credentials);
    return push.tls.verify ? ask("https") : Effect.flatMap(ask("https"), (refusal) => (refusal !== undefined ? Effect.succeed(refusal) : ask("http")));
  }
}
