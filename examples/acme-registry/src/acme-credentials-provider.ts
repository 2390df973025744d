import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import { Effect } from "effect";
import {
  AuthenticationFailed,
  CredentialsError,
  defaultRetrySettings,
  makeCredentials,
  RegistryError,
  RegistryUnreachable,
  retryTransient,
  type Credentials,
  type CredentialsProvider,
  type CredentialsQuery,
  type PushError,
} from "skopush";

/** Where Acme Registry swaps an API key for a short-lived push password. */
export const ACME_EXCHANGE_PATH = "/api/v1/registry-credentials";

/** Options of {@link AcmeCredentialsProvider}. */
export interface AcmeCredentialsProviderOptions {
  /** The Acme registry hosts (`host[:port]`) this provider answers for. */
  readonly hosts: ReadonlyArray<string>;
  /** The account's API key (from a vault, a CI secret…); asked once per push. */
  readonly apiKey: () => string | Promise<string>;
  /** How long the exchanged password should live, in seconds. @default 600 */
  readonly passwordLifetimeSeconds?: number | undefined;
  /** `http` only for a stand-in on loopback in tests; the API key then travels in clear. @default "https" */
  readonly scheme?: "https" | "http" | undefined;
  /** A PEM file of CA certificates to trust besides the public roots (a private Acme installation). */
  readonly caFile?: string | undefined;
  /** Time limit of one exchange. @default 15000 */
  readonly timeoutMs?: number | undefined;
}

interface ExchangeAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * Push credentials for Acme Registry, whose registry password is short-lived and obtained by exchanging
 * the account's API key: `POST /api/v1/registry-credentials` with `Authorization: Bearer <key>` answers
 * `{"username", "password", "expires_at"}`. One exchange per push, inside the push's scope; nothing is
 * written to disk, and the key is never sent anywhere but the registry's own host over HTTPS.
 */
export class AcmeCredentialsProvider implements CredentialsProvider {
  readonly name = "acme";
  private readonly hosts: ReadonlySet<string>;

  constructor(private readonly options: AcmeCredentialsProviderOptions) {
    this.hosts = new Set(options.hosts.map((host) => host.toLowerCase()));
  }

  resolve(query: CredentialsQuery): Effect.Effect<Credentials | undefined, PushError> {
    const registry = query.registry.toLowerCase();
    if (!this.hosts.has(registry)) return Effect.succeed(undefined);
    return Effect.gen({ self: this }, function* () {
      const apiKey = yield* Effect.tryPromise({
        try: async () => this.options.apiKey(),
        catch: (cause) =>
          new CredentialsError({
            source: this.name,
            reason: `no Acme API key for ${registry}: ${cause instanceof Error ? cause.message : String(cause)}`,
            fix: "give the provider an apiKey function that returns the account's API key",
            cause,
          }),
      });
      const answer = yield* this.exchange(registry, apiKey).pipe(retryTransient(defaultRetrySettings));
      return yield* credentialsFrom(registry, answer);
    });
  }

  private exchange(registry: string, apiKey: string): Effect.Effect<ExchangeAnswer, RegistryUnreachable> {
    const body = JSON.stringify({ expires_in_seconds: this.options.passwordLifetimeSeconds ?? 600 });
    const ca = this.options.caFile ? [...rootCertificates, readFileSync(this.options.caFile, "utf8")] : undefined;
    return Effect.tryPromise({
      try: (signal) =>
        new Promise<ExchangeAnswer>((resolve, reject) => {
          const scheme = this.options.scheme ?? "https";
          const request = (scheme === "https" ? https : http).request(
            `${scheme}://${registry}${ACME_EXCHANGE_PATH}`,
            {
              method: "POST",
              headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
              ca,
              signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs ?? 15_000)]),
            },
            (response) => {
              let text = "";
              response.setEncoding("utf8");
              response.on("data", (chunk: string) => (text += chunk));
              response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
              response.on("error", reject);
            },
          );
          request.on("error", reject);
          request.end(body);
        }),
      catch: (cause) =>
        new RegistryUnreachable({ registry, reason: `the Acme API key exchange failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause }),
    });
  }
}

/** The exchanged credentials, or the typed error the answer means. */
const credentialsFrom = (registry: string, answer: ExchangeAnswer): Effect.Effect<Credentials, PushError> => {
  if (answer.status === 401 || answer.status === 403) {
    return Effect.fail(
      new AuthenticationFailed({
        registry,
        reason: `Acme refused the API key (HTTP ${answer.status})`,
        fix: "check that the API key is current and belongs to an account that may push",
      }),
    );
  }
  if (answer.status !== 200) return Effect.fail(new RegistryError({ registry, status: answer.status, reason: "the Acme API key exchange failed" }));
  let parsed: { username?: unknown; password?: unknown };
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    return Effect.fail(new RegistryError({ registry, status: answer.status, reason: "the Acme API key exchange answered something other than JSON" }));
  }
  if (typeof parsed.username !== "string" || typeof parsed.password !== "string" || parsed.username === "" || parsed.password === "") {
    return Effect.fail(new RegistryError({ registry, status: answer.status, reason: "the Acme API key exchange answered no username and password" }));
  }
  return Effect.succeed(makeCredentials(parsed.username, parsed.password));
};
