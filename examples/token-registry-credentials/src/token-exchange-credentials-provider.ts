import { Effect, Redacted } from "effect";
import {
  AuthenticationFailed,
  CredentialsError,
  makeCredentials,
  RegistryUnreachable,
  retryTransient,
  defaultRetrySettings,
  RegistryError,
  type Credentials,
  type CredentialsProvider,
  type CredentialsQuery,
  type PushError,
} from "@skopush/core";

/**
 * The user name such registries expect with an exchanged refresh token (Azure Container Registry's
 * `docker login` uses this all-zero GUID).
 */
export const TOKEN_USERNAME = "00000000-0000-0000-0000-000000000000";

/** Options of {@link TokenExchangeCredentialsProvider}. */
export interface TokenExchangeCredentialsProviderOptions {
  /** The registry `host[:port]` this provider answers for, e.g. `myregistry.azurecr.io`. */
  readonly registry: string;
  /** Gets the identity token to exchange (an Entra ID access token from a workload identity, a CLI login…). */
  readonly identityToken: () => Promise<string>;
  /** @default "https" */
  readonly scheme?: "https" | "http" | undefined;
  /** The directory tenant, when the registry needs it. */
  readonly tenant?: string | undefined;
  /** Time limit of the exchange. @default 15000 */
  readonly timeoutMs?: number | undefined;
}

/**
 * Credentials for a registry whose push password is a refresh token obtained by exchanging an identity
 * token: `POST /oauth2/exchange` with `grant_type=access_token`, answered `{"refresh_token": "…"}`. The
 * exchange happens once per push, inside the push's scope; nothing is cached on disk.
 */
export class TokenExchangeCredentialsProvider implements CredentialsProvider {
  readonly name = "token-exchange";

  constructor(private readonly options: TokenExchangeCredentialsProviderOptions) {}

  resolve(query: CredentialsQuery): Effect.Effect<Credentials | undefined, PushError> {
    const { registry } = this.options;
    if (query.registry.toLowerCase() !== registry.toLowerCase()) return Effect.succeed(undefined);
    return Effect.gen({ self: this }, function* () {
      const identity = yield* Effect.tryPromise({
        try: () => this.options.identityToken(),
        catch: (cause) =>
          new CredentialsError({
            source: this.name,
            reason: `no identity token to exchange for ${registry}: ${cause instanceof Error ? cause.message : String(cause)}`,
            fix: "log in to the identity provider first (e.g. az login), or give the workload an identity",
            cause,
          }),
      });
      const refreshToken = yield* this.exchange(Redacted.make(identity)).pipe(retryTransient(defaultRetrySettings));
      return makeCredentials(TOKEN_USERNAME, Redacted.value(refreshToken));
    });
  }

  private exchange(identity: Redacted.Redacted<string>) {
    const { registry, tenant } = this.options;
    const url = `${this.options.scheme ?? "https"}://${registry}/oauth2/exchange`;
    const body = new URLSearchParams({ grant_type: "access_token", service: registry, access_token: Redacted.value(identity) });
    if (tenant) body.set("tenant", tenant);
    return Effect.gen({ self: this }, function* () {
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          fetch(url, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body,
            signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs ?? 15_000)]),
          }),
        catch: (cause) => new RegistryUnreachable({ registry, reason: `the token exchange failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause }),
      });
      if (response.status === 401 || response.status === 403) {
        return yield* new AuthenticationFailed({
          registry,
          username: TOKEN_USERNAME,
          reason: `the registry refused to exchange the identity token (HTTP ${response.status})`,
          fix: "check that the identity has a push role on the registry and that the token is for the right tenant",
        });
      }
      if (!response.ok) {
        return yield* new RegistryError({ registry, status: response.status, reason: "the token exchange failed" });
      }
      const answer = yield* Effect.tryPromise({
        try: () => response.json() as Promise<{ refresh_token?: unknown }>,
        catch: () => new RegistryError({ registry, status: response.status, reason: "the token exchange answered something other than JSON" }),
      });
      if (typeof answer.refresh_token !== "string" || answer.refresh_token.length === 0) {
        return yield* new RegistryError({ registry, status: response.status, reason: "the token exchange answered no refresh_token" });
      }
      return Redacted.make(answer.refresh_token);
    });
  }
}
