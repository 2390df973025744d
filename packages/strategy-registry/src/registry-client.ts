import {
  AccessDenied,
  AuthenticationFailed,
  parseWwwAuthenticate,
  TlsVerificationFailed,
  type AuthChallenge,
  type Credentials,
  type PushError,
  type TlsSettings,
} from "@skopush/core";
import * as Effect from "effect/Effect";
import * as Redacted from "effect/Redacted";
import type * as Scope from "effect/Scope";
import { TokenCache, type TokenKey } from "./auth/token-cache.js";
import {
  classifyBodySource,
  classifyResponse,
  classifyTransport,
  NOT_TLS_CODES,
  type RegistryCallContext,
  type RegistryOperation,
} from "./classify-error.js";
import { makeAgents, type Agents } from "./http/agents.js";
import { candidateSchemes, isLoopbackHost } from "./http/endpoint.js";
import { sendRequest, type HttpBody, type HttpMethod, type HttpRequest, type HttpResponse } from "./http/transport.js";
import type { ResolvedRegistryPushOptions } from "./registry-push-options.js";

/** One call to the registry. */
export interface RegistryCall {
  readonly operation: RegistryOperation;
  readonly method: HttpMethod;
  /** A path below the registry (`/v2/…`) or an absolute URL (an upload `Location`). */
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: HttpBody | undefined;
  /** The token scopes the call needs. @default the push scopes of the destination */
  readonly scopes?: ReadonlyArray<string> | undefined;
  readonly maxResponseBytes?: number | undefined;
  /** Tag or digest, for messages about manifests. */
  readonly reference?: string | undefined;
}

/** How requests are authorized, as the `/v2/` challenge decided. */
type AuthScheme =
  | { readonly kind: "none" }
  | { readonly kind: "basic" }
  | { readonly kind: "bearer"; readonly realm: string; readonly service: string | undefined };

/** Where and as whom a push talks to the registry. */
export interface RegistryClientConfig {
  /** `host[:port]`. */
  readonly host: string;
  readonly repository: string;
  readonly credentials?: Credentials | undefined;
  readonly tls: TlsSettings;
  readonly options: ResolvedRegistryPushOptions;
  /** The token scopes of the push: pull,push on the destination, pull on mount sources. */
  readonly scopes: ReadonlyArray<string>;
  readonly archivePath: string;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The registry API for one push: decides the scheme and the authentication from `GET /v2/`, attaches
 * `Authorization` (Basic, or cached Bearer tokens) to requests for the registry's own origin only,
 * follows redirects, refreshes a refused cached token once, and classifies failures.
 */
export class RegistryClient {
  private scheme: AuthScheme = { kind: "none" };
  private base: URL;
  /** Tokens this client fetched itself: a 401 with one of them is final, not a reason to fetch again. */
  private readonly fetched = new Set<string>();

  private constructor(
    private readonly config: RegistryClientConfig,
    private readonly agents: Agents,
    private readonly tokens: TokenCache,
  ) {
    this.base = new URL(`https://${config.host}`);
  }

  /** Opens the client: builds the connection pools (closed with the scope) and runs the `/v2/` check. */
  static connect(config: RegistryClientConfig, tokens: TokenCache): Effect.Effect<RegistryClient, PushError, Scope.Scope> {
    return Effect.gen(function* () {
      const agents = yield* Effect.acquireRelease(makeAgents(config.host, config.tls, config.options), (a) => Effect.sync(() => a.destroy()));
      const client = new RegistryClient(config, agents, tokens);
      yield* client.ping();
      return client;
    });
  }

  /** `http://host` or `https://host`, as the check found it. */
  get origin(): string {
    return this.base.origin;
  }

  /** The context the classifier needs for `operation`. */
  context(operation: RegistryOperation, reference?: string): RegistryCallContext {
    return {
      registry: this.config.host,
      repository: this.config.repository,
      operation,
      reference,
      username: this.config.credentials?.username,
      secrets: [this.secret, ...this.fetched],
      archivePath: this.config.archivePath,
    };
  }

  /** The error for an answer the caller did not expect. */
  unexpected(operation: RegistryOperation, response: HttpResponse, reference?: string): PushError {
    return classifyResponse(this.context(operation, reference), response);
  }

  /** Sends a call; answers with whatever status the registry gives, except a 401 that refreshing cannot fix. */
  call(call: RegistryCall): Effect.Effect<HttpResponse, PushError> {
    const self = this;
    return Effect.gen(function* () {
      const scopes = call.scopes ?? self.config.scopes;
      let authorization = yield* self.authorization(scopes, false);
      let response = yield* self.follow(call, authorization.header);
      if (response.status !== 401) return response;
      const challenge = self.bearerChallenge(response);
      if (self.scheme.kind === "none" && challenge !== undefined) {
        // `/v2/` was open but this repository is not: adopt its challenge.
        self.scheme = { kind: "bearer", realm: challenge.params["realm"] ?? "", service: challenge.params["service"] };
      } else if (self.scheme.kind === "none" && self.basicChallenged(response)) {
        self.scheme = { kind: "basic" };
      } else if (self.scheme.kind !== "bearer" || authorization.fresh) {
        return yield* self.refused(call, response, scopes);
      }
      authorization = yield* self.authorization(scopes, true);
      response = yield* self.follow(call, authorization.header);
      if (response.status === 401) return yield* self.refused(call, response, scopes);
      return response;
    });
  }

  private get secret(): string | undefined {
    return this.config.credentials === undefined ? undefined : Redacted.value(this.config.credentials.password);
  }

  private basicHeader(): string | undefined {
    const credentials = this.config.credentials;
    if (credentials === undefined) return undefined;
    return `Basic ${Buffer.from(`${credentials.username}:${Redacted.value(credentials.password)}`, "utf8").toString("base64")}`;
  }

  private bearerChallenge(response: HttpResponse): AuthChallenge | undefined {
    return parseWwwAuthenticate(response.headers["www-authenticate"]).find((c) => c.scheme === "bearer" && c.params["realm"]);
  }

  private basicChallenged(response: HttpResponse): boolean {
    return parseWwwAuthenticate(response.headers["www-authenticate"]).some((c) => c.scheme === "basic");
  }

  /** Decides the scheme (https, or http where allowed) and the authentication; checks credentials early. */
  private ping(): Effect.Effect<void, PushError> {
    const self = this;
    return Effect.gen(function* () {
      const schemes = candidateSchemes(self.config.host, self.config.tls.verify);
      let response: HttpResponse | undefined;
      for (const [i, scheme] of schemes.entries()) {
        self.base = new URL(`${scheme}://${self.config.host}`);
        const request: HttpRequest = { method: "GET", url: new URL("/v2/", self.base) };
        const result = yield* Effect.result(sendRequest(self.agents, self.config.options.http, self.withAgent(request)));
        if (result._tag === "Success") {
          response = result.success;
          break;
        }
        const error = result.failure;
        const notTls = error._tag === "TransportError" && scheme === "https" && error.code !== undefined && NOT_TLS_CODES.has(error.code);
        if (notTls && i + 1 < schemes.length) continue;
        if (notTls) {
          // As skopeo says it: plain http is only ever an explicit opt-in.
          return yield* Effect.fail(
            new TlsVerificationFailed({
              registry: self.config.host,
              reason: "the registry answered in plain HTTP where HTTPS was required (it has no TLS endpoint at this address)",
            }),
          );
        }
        if (error._tag === "TransportError") return yield* Effect.fail(self.transportError("ping", error));
        return yield* Effect.fail(classifyBodySource(self.context("ping"), error));
      }
      if (response === undefined) return;
      if (response.status === 200) {
        self.scheme = { kind: "none" };
        return;
      }
      if (response.status !== 401) return yield* Effect.fail(self.unexpected("ping", response));
      const bearer = self.bearerChallenge(response);
      if (bearer !== undefined) {
        self.scheme = { kind: "bearer", realm: bearer.params["realm"] ?? "", service: bearer.params["service"] };
        // Fetching the push token now fails fast on bad credentials, before any layer is read.
        yield* self.authorization(self.config.scopes, false);
        return;
      }
      if (!self.basicChallenged(response)) return yield* Effect.fail(self.unexpected("ping", response));
      self.scheme = { kind: "basic" };
      if (self.config.credentials === undefined) {
        return yield* Effect.fail(
          new AuthenticationFailed({ registry: self.config.host, reason: "the registry requires credentials", fix: "pass a username and password (or configure a credentials provider)" }),
        );
      }
      const checked = yield* self.follow({ operation: "ping", method: "GET", url: "/v2/" }, self.basicHeader());
      if (checked.status !== 200) return yield* Effect.fail(self.unexpected("ping", checked));
    });
  }

  /** `Authorization` for `scopes`: Basic, a cached Bearer token, or a new one (`fresh`). */
  private authorization(scopes: ReadonlyArray<string>, refresh: boolean): Effect.Effect<{ header: string | undefined; fresh: boolean }, PushError> {
    const scheme = this.scheme;
    if (scheme.kind === "none") return Effect.succeed({ header: undefined, fresh: false });
    if (scheme.kind === "basic") return Effect.succeed({ header: this.basicHeader(), fresh: true });
    const key: TokenKey = {
      realm: scheme.realm,
      service: scheme.service,
      scopes,
      username: this.config.credentials?.username,
      secret: this.secret,
    };
    if (refresh) this.tokens.delete(key);
    const cached = this.tokens.get(key);
    if (cached !== undefined) return Effect.succeed({ header: `Bearer ${cached}`, fresh: this.fetched.has(cached) });
    return this.fetchToken(key, scopes).pipe(
      Effect.map((token) => {
        this.fetched.add(token);
        return { header: `Bearer ${token}`, fresh: true };
      }),
    );
  }

  /** `GET <realm>?service=…&scope=…` with Basic credentials when there are any. */
  private fetchToken(key: TokenKey, scopes: ReadonlyArray<string>): Effect.Effect<string, PushError> {
    const self = this;
    return Effect.gen(function* () {
      const url = yield* self.realmUrl(key.realm);
      if (key.service !== undefined) url.searchParams.append("service", key.service);
      for (const scope of scopes) url.searchParams.append("scope", scope);
      if (self.config.credentials !== undefined) url.searchParams.append("account", self.config.credentials.username);
      const started = Date.now();
      const response = yield* self.follow({ operation: "token", method: "GET", url, maxResponseBytes: 1024 * 1024 }, self.basicHeader(), url.origin);
      if (response.status !== 200) return yield* Effect.fail(self.unexpected("token", response));
      let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
      try {
        parsed = JSON.parse(response.body.toString("utf8")) as typeof parsed;
      } catch {
        parsed = {};
      }
      const token = typeof parsed.token === "string" && parsed.token ? parsed.token : typeof parsed.access_token === "string" ? parsed.access_token : "";
      if (token === "") {
        return yield* Effect.fail(
          new AuthenticationFailed({ registry: self.config.host, username: key.username, reason: `the token service at ${url.origin}${url.pathname} answered without a token` }),
        );
      }
      const seconds = typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : 60;
      self.tokens.set(key, token, seconds * 1000, started);
      return token;
    });
  }

  private realmUrl(realm: string): Effect.Effect<URL, PushError> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      return Effect.fail(new AuthenticationFailed({ registry: this.config.host, reason: `the registry's token realm ${JSON.stringify(realm)} is not a URL` }));
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      return Effect.fail(new AuthenticationFailed({ registry: this.config.host, reason: `the registry's token realm ${url.origin} is neither http nor https` }));
    }
    if (url.protocol === "http:" && this.config.credentials !== undefined && this.config.tls.verify && !isLoopbackHost(url.host)) {
      return Effect.fail(
        new AuthenticationFailed({
          registry: this.config.host,
          username: this.config.credentials.username,
          reason: `the registry's token realm ${url.origin} is plain http; skopush does not send credentials there`,
          fix: "configure the registry's token realm with https, or opt out of TLS verification explicitly (verify: false)",
        }),
      );
    }
    return Effect.succeed(url);
  }

  /**
   * A 401 that a fresh token or Basic credentials did not fix. A Harbor-style token service hands
   * valid accounts a token without the rights they lack, so the credentials are checked once on
   * their own to tell "wrong password" from "not allowed".
   */
  private refused(call: RegistryCall, response: HttpResponse, scopes: ReadonlyArray<string>): Effect.Effect<never, PushError> {
    const self = this;
    return Effect.gen(function* () {
      const error = self.unexpected(call.operation, response, call.reference);
      const scheme = self.scheme;
      if (error._tag !== "AuthenticationFailed" || scheme.kind !== "bearer" || self.config.credentials === undefined) return yield* Effect.fail(error);
      const url = yield* self.realmUrl(scheme.realm);
      if (scheme.service !== undefined) url.searchParams.append("service", scheme.service);
      const check = yield* Effect.result(self.follow({ operation: "token", method: "GET", url }, self.basicHeader(), url.origin));
      if (check._tag === "Success" && check.success.status === 200) {
        return yield* Effect.fail(
          new AccessDenied({
            registry: self.config.host,
            repository: self.config.repository,
            reason: `the credentials of ${JSON.stringify(self.config.credentials.username)} are valid, but the token for ${scopes.join(" ")} does not allow ${call.method} (${error.reason})`,
            // Harbor's token service grants nothing on a project that does not exist, exactly as on one the account may not use.
            fix: `check that project ${self.config.repository.split("/")[0]} exists (Harbor never creates one on a push: create it, or push with --ensure-project), and that the account may push and pull there`,
          }),
        );
      }
      return yield* Effect.fail(error);
    });
  }

  private withAgent(request: HttpRequest): HttpRequest {
    return { ...request, headers: { "user-agent": this.config.options.http.userAgent, ...request.headers } };
  }

  private transportError(operation: RegistryOperation, error: Parameters<typeof classifyTransport>[1]): PushError {
    return classifyTransport(this.context(operation), error);
  }

  /**
   * Sends the call and follows redirects. `authorization` goes only to `trustedOrigin` (the registry's
   * own origin unless told otherwise): a redirect to another host never receives it.
   */
  private follow(call: RegistryCall, authorization: string | undefined, trustedOrigin: string = this.base.origin): Effect.Effect<HttpResponse, PushError> {
    const self = this;
    return Effect.gen(function* () {
      let url = typeof call.url === "string" ? new URL(call.url, self.base) : call.url;
      let method = call.method;
      let body = call.body;
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { ...call.headers };
        if (authorization !== undefined && url.origin === trustedOrigin) headers["authorization"] = authorization;
        const request = self.withAgent({ method, url, headers, body, maxResponseBytes: call.maxResponseBytes });
        const result = yield* Effect.result(sendRequest(self.agents, self.config.options.http, request));
        if (result._tag === "Failure") {
          const error = result.failure;
          return yield* Effect.fail(
            error._tag === "TransportError" ? self.transportError(call.operation, error) : classifyBodySource(self.context(call.operation), error),
          );
        }
        const response = result.success;
        const location = response.headers.location;
        if (!REDIRECTS.has(response.status) || location === undefined || hop >= MAX_REDIRECTS) return response;
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method !== "GET" && method !== "HEAD")) {
          if (method !== "POST") return response; // a moved upload cannot be replayed as a GET
          method = "GET";
          body = undefined;
        }
        url = new URL(location, url);
      }
    });
  }
}
