import { Effect, Redacted } from "effect";
import {
  AuthenticationFailed,
  defaultRetrySettings,
  parseWwwAuthenticate,
  RegistryError,
  retryTransient,
  type Credentials,
  type PushError,
  type RetrySettings,
} from "@skopush/core";
import { authenticationFix, classifyHarborResponse, classifyTransportError } from "./classify-error.js";
import { makeAgents, type HarborAgents, type HarborTlsOptions } from "./harbor-tls.js";
import { httpRequest, type HttpResponse } from "./http-request.js";
import { tokenAccess, type TokenAccess } from "./jwt-claims.js";

/** How a registry wants to be authenticated, from the challenge of its `GET /v2/`. */
export type RegistryAuth =
  | { readonly kind: "bearer"; readonly realm: URL; readonly service: string | undefined }
  | { readonly kind: "basic" }
  | { readonly kind: "none" };

/** Options of {@link TokenServiceClient}. */
export interface TokenServiceClientOptions {
  /** The registry's base URL, e.g. `https://harbor.example.com` (its `/v2/` names the token service). */
  readonly registryUrl: string;
  /** @default verify against the system roots */
  readonly tls?: HarborTlsOptions | undefined;
  /** Time limit of one HTTP request. @default 30000 */
  readonly timeoutMs?: number | undefined;
  /** @default core's defaultRetrySettings */
  readonly retry?: RetrySettings | undefined;
}

/**
 * A client of a registry's token service (Harbor's `/service/token`), used to check credentials before
 * the first push and to read which actions they are granted. The realm and service come from the
 * challenge of the registry's `GET /v2/`.
 */
export class TokenServiceClient {
  private auth: RegistryAuth | undefined;
  private agents: HarborAgents | undefined;

  constructor(private readonly options: TokenServiceClientOptions) {}

  /** `host[:port]` of the registry. */
  get registry(): string {
    return new URL(this.options.registryUrl).host;
  }

  /** How the registry wants to be authenticated (asked once, then remembered). */
  discover(): Effect.Effect<RegistryAuth, PushError> {
    return Effect.gen({ self: this }, function* () {
      if (this.auth) return this.auth;
      this.auth = yield* discoverRegistryAuth(yield* this.settings(), this.options.registryUrl);
      return this.auth;
    });
  }

  /** Fails with `AuthenticationFailed` unless the registry accepts `credentials`. */
  validate(credentials: Credentials): Effect.Effect<void, PushError> {
    return Effect.gen({ self: this }, function* () {
      yield* validateCredentials(yield* this.settings(), this.options.registryUrl, yield* this.discover(), credentials);
    });
  }

  /**
   * `AuthenticationFailed` when the registry refuses `credentials` outright (401 or 403 to them alone);
   * `undefined` when it accepts them, asks for none, or cannot be asked.
   */
  refusal(credentials: Credentials): Effect.Effect<AuthenticationFailed | undefined> {
    return Effect.gen({ self: this }, function* () {
      const auth = yield* this.discover();
      if (auth.kind === "none") return undefined;
      const settings = yield* this.settings();
      return refusalOf(settings, auth, yield* askWithCredentials(settings, this.options.registryUrl, auth, credentials), credentials);
    }).pipe(Effect.catch(() => Effect.succeed(undefined)));
  }

  /**
   * The actions a token for `repository:<repository>:pull,push` grants `credentials`; `undefined` when
   * the registry issues no Bearer tokens or the token cannot be read.
   */
  grantedActions(credentials: Credentials, repository: string): Effect.Effect<ReadonlyArray<string> | undefined, PushError> {
    return Effect.gen({ self: this }, function* () {
      const auth = yield* this.discover();
      if (auth.kind !== "bearer") return undefined;
      return yield* grantedAccess(yield* this.settings(), auth, credentials, repository);
    });
  }

  private settings(): Effect.Effect<TokenServiceSettings, PushError> {
    return Effect.gen({ self: this }, function* () {
      this.agents ??= yield* makeAgents(this.options.tls);
      return {
        registry: this.registry,
        agents: this.agents,
        timeoutMs: this.options.timeoutMs ?? 30_000,
        retry: this.options.retry,
      };
    });
  }
}

/** Settings shared by the token-service calls. */
interface TokenServiceSettings {
  /** `host[:port]` of the registry, for messages. */
  readonly registry: string;
  readonly agents: HarborAgents;
  readonly timeoutMs: number;
  readonly retry?: RetrySettings | undefined;
}

const basic = (credentials: Credentials) =>
  `Basic ${Buffer.from(`${credentials.username}:${Redacted.value(credentials.password)}`).toString("base64")}`;

const request = (settings: TokenServiceSettings, url: URL, operation: "registryPing" | "token", authorization?: string) =>
  httpRequest(settings.agents, {
    method: "GET",
    url,
    headers: authorization ? { authorization, accept: "application/json" } : { accept: "application/json" },
    timeoutMs: settings.timeoutMs,
  }).pipe(
    Effect.mapError((error) => classifyTransportError(error, { registry: settings.registry, operation })),
    retryTransient(settings.retry ?? defaultRetrySettings),
  );

/** `GET /v2/` without credentials: the realm and service of a Bearer challenge, or Basic, or nothing. */
const discoverRegistryAuth = (settings: TokenServiceSettings, registryUrl: string): Effect.Effect<RegistryAuth, PushError> =>
  request(settings, new URL("/v2/", registryUrl), "registryPing").pipe(
    Effect.flatMap((response): Effect.Effect<RegistryAuth, PushError> => {
      if (response.status >= 200 && response.status < 300) return Effect.succeed({ kind: "none" });
      if (response.status !== 401) {
        return Effect.fail(classifyHarborResponse(response, { registry: settings.registry, operation: "registryPing" }));
      }
      const challenges = parseWwwAuthenticate(header(response, "www-authenticate"));
      const bearer = challenges.find((c) => c.scheme === "bearer");
      if (bearer?.params["realm"]) {
        const realm = bearer.params["realm"];
        return Effect.try({
          try: () => ({ kind: "bearer" as const, realm: new URL(realm), service: bearer.params["service"] }),
          catch: () => new RegistryError({ registry: settings.registry, status: 401, reason: `the Bearer challenge names an invalid realm URL ${JSON.stringify(realm)}` }),
        });
      }
      if (challenges.some((c) => c.scheme === "basic")) return Effect.succeed({ kind: "basic" });
      return Effect.fail(
        new RegistryError({ registry: settings.registry, status: 401, reason: "GET /v2/ answered 401 without a Bearer or Basic challenge" }),
      );
    }),
  );

/**
 * Asks the registry about credentials alone. Bearer: `GET <realm>?service=…` WITHOUT a scope, because
 * with a scope Harbor answers bad credentials with 200 and an anonymous token; 401 means refused, and a
 * 200 without a token is no proof either. Basic: `GET /v2/` with the credentials.
 */
const askWithCredentials = (
  settings: TokenServiceSettings,
  registryUrl: string,
  auth: RegistryAuth & { kind: "bearer" | "basic" },
  credentials: Credentials,
): Effect.Effect<HttpResponse, PushError> =>
  request(settings, auth.kind === "bearer" ? tokenUrl(auth, []) : new URL("/v2/", registryUrl), auth.kind === "bearer" ? "token" : "registryPing", basic(credentials));

/** The `AuthenticationFailed` of a 401 or 403 to {@link askWithCredentials}; `undefined` for any other answer. */
const refusalOf = (
  settings: TokenServiceSettings,
  auth: RegistryAuth,
  response: HttpResponse,
  credentials: Credentials,
): AuthenticationFailed | undefined =>
  response.status === 401 || response.status === 403
    ? new AuthenticationFailed({
        registry: settings.registry,
        username: credentials.username,
        reason: `the ${auth.kind === "bearer" ? "token service" : "registry"} refused the credentials (HTTP ${response.status})`,
        fix: authenticationFix(credentials.username),
      })
    : undefined;

/** Checks credentials before anything is pushed: fails unless the registry confirms them. */
const validateCredentials = (
  settings: TokenServiceSettings,
  registryUrl: string,
  auth: RegistryAuth,
  credentials: Credentials,
): Effect.Effect<void, PushError> => {
  if (auth.kind === "none") return Effect.void;
  return askWithCredentials(settings, registryUrl, auth, credentials).pipe(
    Effect.flatMap((response) => {
      const refusal = refusalOf(settings, auth, response, credentials);
      if (refusal !== undefined) return Effect.fail(refusal);
      if (response.status !== 200) return Effect.fail(classify(settings, response, credentials));
      if (auth.kind === "bearer" && tokenOf(response) === undefined) {
        return Effect.fail(
          new AuthenticationFailed({
            registry: settings.registry,
            username: credentials.username,
            reason: "the token service answered 200 without a token, so the credentials could not be confirmed",
            fix: `check that ${auth.realm.origin}${auth.realm.pathname} is Harbor's token service`,
          }),
        );
      }
      return Effect.void;
    }),
  );
};

/** What a token for `repository:<name>:pull,push` grants these credentials (Harbor narrows it to their rights). */
const grantedAccess = (
  settings: TokenServiceSettings,
  auth: RegistryAuth & { kind: "bearer" },
  credentials: Credentials,
  repository: string,
): Effect.Effect<ReadonlyArray<string> | undefined, PushError> =>
  request(settings, tokenUrl(auth, [`repository:${repository}:pull,push`]), "token", basic(credentials)).pipe(
    Effect.flatMap((response) => {
      if (response.status !== 200) return Effect.fail(classify(settings, response, credentials));
      const token = tokenOf(response);
      const access: TokenAccess[] | undefined = token === undefined ? undefined : tokenAccess(token);
      if (access === undefined) return Effect.succeed(undefined);
      const entry = access.find((a) => a.type === "repository" && a.name === repository);
      return Effect.succeed(entry?.actions ?? []);
    }),
  );

const tokenUrl = (auth: RegistryAuth & { kind: "bearer" }, scopes: ReadonlyArray<string>): URL => {
  const url = new URL(auth.realm);
  if (auth.service !== undefined) url.searchParams.set("service", auth.service);
  for (const scope of scopes) url.searchParams.append("scope", scope);
  return url;
};

const classify = (settings: TokenServiceSettings, response: HttpResponse, credentials: Credentials) =>
  classifyHarborResponse(response, {
    registry: settings.registry,
    operation: "token",
    username: credentials.username,
    secrets: [Redacted.value(credentials.password)],
  });

const tokenOf = (response: HttpResponse): string | undefined => {
  try {
    const body = JSON.parse(response.body) as { token?: unknown; access_token?: unknown };
    const token = (typeof body.token === "string" && body.token) || (typeof body.access_token === "string" && body.access_token);
    return token || undefined;
  } catch {
    return undefined;
  }
};

const header = (response: HttpResponse, name: string): string | undefined => {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
};
