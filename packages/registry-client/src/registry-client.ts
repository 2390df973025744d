import { AccessDenied, AuthenticationFailed, TlsVerificationFailed, type Credentials, type PushError, type TlsSettings } from "@skopush/core";
import * as Effect from "effect/Effect";
import * as Redacted from "effect/Redacted";
import type * as Scope from "effect/Scope";
import { basicAuthorization } from "./auth/basic.js";
import { checkCredentials } from "./auth/credentials-check.js";
import { TokenCache, type TokenKey } from "./auth/token-cache.js";
import { parseRealm, requestToken } from "./auth/token-fetch.js";
import {
  classifyBodySource,
  classifyRegistryTransport,
  classifyResponse,
  type RegistryCallContext,
  type RegistryOperation,
} from "./classify/classify-response.js";
import { candidateSchemes } from "./endpoint.js";
import { challengeOf, notARegistryError, pingRegistry, type PingResult, type RegistryAuthScheme } from "./ping.js";
import type { BodySourceError, HttpBody, HttpMethod, HttpRequest, HttpResponse, TransportError } from "./transport/send-request.js";
import { Transport, type Authorization, type ResolvedTransportOptions } from "./transport/transport.js";

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
  /** This call's own limit for the first answer (the manifest's). @default the transport's `responseTimeoutMs` */
  readonly responseTimeoutMs?: number | undefined;
  /** Tag or digest, for messages about manifests. */
  readonly reference?: string | undefined;
  /** Where a 2xx answer's body streams instead of being kept (see `HttpRequest.openBodySink`). */
  readonly openBodySink?: HttpRequest["openBodySink"];
  /**
   * Follow a redirect only to the registry's own origin; one to another origin is returned as it came
   * (a 3xx). For answers whose bytes cannot be checked against a digest. @default false
   */
  readonly sameOriginOnly?: boolean | undefined;
}

/** Where and as whom a push talks to the registry. */
export interface RegistryClientConfig {
  /** `host[:port]`. */
  readonly host: string;
  readonly repository: string;
  readonly credentials?: Credentials | undefined;
  readonly tls: TlsSettings;
  /** How to talk HTTP: time limits, pools, name resolution. */
  readonly transport: ResolvedTransportOptions;
  /** The token scopes of the push: pull,push on the destination, pull on mount sources. */
  readonly scopes: ReadonlyArray<string>;
  /** The archive a request body comes from, for messages about reading it. */
  readonly archivePath?: string | undefined;
}

const MAX_REDIRECTS = 5;
/** The statuses of a redirect that {@link RegistryClient.call} follows. */
export const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** A failure of a request that never got an answer, in the vocabulary. */
const failureOf = (context: RegistryCallContext, error: TransportError | BodySourceError | AuthenticationFailed): PushError => {
  if (error._tag === "AuthenticationFailed") return error;
  return error._tag === "TransportError" ? classifyRegistryTransport(context, error) : classifyBodySource(context, error);
};

/**
 * The registry API for one push, stacked as go-containerregistry stacks its transports: the
 * {@link Transport} (pools, TLS trust, time limits, the credentials rule) below; the ping that decides
 * the scheme and the auth scheme; Basic or cached Bearer tokens, attached to requests for the registry's
 * own origin only; redirects; and {@link RegistryClient.unexpected} to classify an answer a call did not
 * expect. A refused cached token is refreshed once.
 */
export class RegistryClient {
  private scheme: RegistryAuthScheme = { kind: "none" };
  private base: URL;
  /** What `GET /v2/` found; issue-14-style checks (is this a registry at all?) read it. */
  private pinged: PingResult | undefined;
  /** Tokens this client fetched itself: a 401 with one of them is final, not a reason to fetch again. */
  private readonly fetched = new Set<string>();

  private constructor(
    private readonly config: RegistryClientConfig,
    private readonly transport: Transport,
    private readonly tokens: TokenCache,
  ) {
    this.base = new URL(`https://${config.host}`);
  }

  /** Opens the client: builds the transport (closed with the scope) and runs the `/v2/` check. */
  static connect(config: RegistryClientConfig, tokens: TokenCache): Effect.Effect<RegistryClient, PushError, Scope.Scope> {
    return Effect.gen(function* () {
      const transport = yield* Transport.scoped({ registry: config.host, trust: config.tls, options: config.transport }).pipe(
        Effect.mapError(
          (error) =>
            new TlsVerificationFailed({
              registry: config.host,
              reason: `the CA certificates cannot be read (${error.code ?? String(error.cause)}: ${error.detail})`,
              cause: error.cause,
            }),
        ),
      );
      const client = new RegistryClient(config, transport, tokens);
      yield* client.ping();
      return client;
    });
  }

  /** `http://host` or `https://host`, as the check found it. */
  get origin(): string {
    return this.base.origin;
  }

  /** What `GET /v2/` answered: the scheme, the auth scheme, and whether it looked like a registry. */
  get pingResult(): PingResult | undefined {
    return this.pinged;
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

  /** The error for an answer the caller did not expect (`checkError` in go-containerregistry's words). */
  unexpected(operation: RegistryOperation, response: HttpResponse, reference?: string): PushError {
    return classifyResponse(this.context(operation, reference), response);
  }

  /** Sends a call; answers with whatever status the registry gives, except a 401 that refreshing cannot fix. */
  call(call: RegistryCall): Effect.Effect<HttpResponse, PushError> {
    const self = this;
    return Effect.gen(function* () {
      const scopes = call.scopes ?? self.config.scopes;
      let authorization = yield* self.authorization(scopes, false);
      let response = yield* self.follow(call, authorization.value);
      if (response.status !== 401) return response;
      const challenge = challengeOf(response);
      if (self.scheme.kind === "none" && challenge.kind !== "none") {
        // `/v2/` was open but this repository is not: adopt its challenge.
        self.scheme = challenge;
      } else if (self.scheme.kind !== "bearer" || authorization.fresh) {
        return yield* self.refused(call, response, scopes, authorization.value);
      }
      authorization = yield* self.authorization(scopes, true);
      response = yield* self.follow(call, authorization.value);
      if (response.status === 401) return yield* self.refused(call, response, scopes, authorization.value);
      return response;
    });
  }

  private get secret(): string | undefined {
    return this.config.credentials === undefined ? undefined : Redacted.value(this.config.credentials.password);
  }

  private basic(): Authorization | undefined {
    return this.config.credentials === undefined ? undefined : basicAuthorization(this.config.credentials);
  }

  /** Decides the scheme (https, or http where allowed) and the authentication; checks credentials early. */
  private ping(): Effect.Effect<void, PushError> {
    const self = this;
    return Effect.gen(function* () {
      const pinged = yield* pingRegistry(self.transport, self.config.host, candidateSchemes(self.config.host, self.config.tls.verify), self.context("ping"));
      self.pinged = pinged;
      self.base = pinged.origin;
      const response = pinged.response;
      const notARegistry = notARegistryError(self.config.host, pinged);
      if (notARegistry !== undefined) return yield* Effect.fail(notARegistry);
      if (response.status === 200) return;
      if (response.status !== 401 || pinged.auth.kind === "none") return yield* Effect.fail(self.unexpected("ping", response));
      self.scheme = pinged.auth;
      if (pinged.auth.kind === "bearer") {
        // Fetching the push token now fails fast on bad credentials, before any layer is read.
        yield* self.authorization(self.config.scopes, false);
        return;
      }
      if (self.config.credentials === undefined) {
        return yield* Effect.fail(
          new AuthenticationFailed({ registry: self.config.host, reason: "the registry requires credentials", fix: "pass a username and password (or configure a credentials provider)" }),
        );
      }
      const checked = yield* self.follow({ operation: "ping", method: "GET", url: "/v2/" }, self.basic());
      if (checked.status !== 200) return yield* Effect.fail(self.unexpected("ping", checked));
    });
  }

  /** `Authorization` for `scopes`: Basic, a cached Bearer token, or a new one (`fresh`). */
  private authorization(scopes: ReadonlyArray<string>, refresh: boolean): Effect.Effect<{ value: Authorization | undefined; fresh: boolean }, PushError> {
    const scheme = this.scheme;
    if (scheme.kind === "none") return Effect.succeed({ value: undefined, fresh: false });
    if (scheme.kind === "basic") return Effect.succeed({ value: this.basic(), fresh: true });
    const key: TokenKey = {
      realm: scheme.realm,
      service: scheme.service,
      scopes,
      username: this.config.credentials?.username,
      secret: this.secret,
    };
    if (refresh) this.tokens.delete(key);
    const cached = this.tokens.get(key);
    if (cached !== undefined) return Effect.succeed({ value: { header: `Bearer ${cached}` }, fresh: this.fetched.has(cached) });
    return this.fetchToken(key, scopes).pipe(
      Effect.map((token) => {
        this.fetched.add(token);
        return { value: { header: `Bearer ${token}` }, fresh: true };
      }),
    );
  }

  /** A token for `scopes` from the realm of the challenge, cached until shortly before it expires. */
  private fetchToken(key: TokenKey, scopes: ReadonlyArray<string>): Effect.Effect<string, PushError> {
    const self = this;
    return Effect.gen(function* () {
      const realm = yield* parseRealm(self.config.host, key.realm);
      const started = Date.now();
      const answer = yield* requestToken(self.transport, { challenge: { realm, service: key.service }, scopes, credentials: self.config.credentials }).pipe(
        Effect.mapError((error) => failureOf(self.context("token"), error)),
      );
      if (answer.response.status !== 200) return yield* Effect.fail(self.unexpected("token", answer.response));
      if (answer.token === undefined) {
        return yield* Effect.fail(
          new AuthenticationFailed({ registry: self.config.host, username: key.username, reason: `the token service at ${realm.origin}${realm.pathname} answered without a token` }),
        );
      }
      self.tokens.set(key, answer.token, answer.expiresInSeconds * 1000, started);
      return answer.token;
    });
  }

  /**
   * A 401 that a fresh token or Basic credentials did not fix. A Harbor-style token service hands
   * valid accounts a token without the rights they lack, so the credentials are checked once on
   * their own ({@link checkCredentials}) to tell "wrong password" from "not allowed".
   */
  private refused(call: RegistryCall, response: HttpResponse, scopes: ReadonlyArray<string>, authorization: Authorization | undefined): Effect.Effect<never, PushError> {
    const self = this;
    return Effect.gen(function* () {
      const error = self.unexpected(call.operation, yield* self.withBody(call, response, authorization), call.reference);
      const scheme = self.scheme;
      const credentials = self.config.credentials;
      if (error._tag !== "AuthenticationFailed" || scheme.kind !== "bearer" || credentials === undefined) return yield* Effect.fail(error);
      const realm = yield* parseRealm(self.config.host, scheme.realm);
      const verdict = yield* Effect.result(checkCredentials(self.transport, { kind: "bearer", challenge: { realm, service: scheme.service } }, credentials));
      if (verdict._tag === "Success" && verdict.success.response.status === 200) {
        return yield* Effect.fail(
          new AccessDenied({
            registry: self.config.host,
            repository: self.config.repository,
            reason: `the credentials of ${JSON.stringify(credentials.username)} are valid, but the token for ${scopes.join(" ")} does not allow ${call.method} (${error.reason})`,
            // Harbor's token service grants nothing on a project that does not exist, exactly as on one the account may not use.
            fix: `check that project ${self.config.repository.split("/")[0]} exists (Harbor never creates one on a push: create it, or push with --ensure-project), and that the account may push and pull there`,
          }),
        );
      }
      return yield* Effect.fail(error);
    });
  }

  /**
   * A refused HEAD has no body, yet Harbor says why in it ("project X not found" is a 401 too): ask the
   * same as a GET, whose refusal carries the body. Any other answer keeps the HEAD's.
   */
  private withBody(call: RegistryCall, response: HttpResponse, authorization: Authorization | undefined): Effect.Effect<HttpResponse> {
    if (call.method !== "HEAD") return Effect.succeed(response);
    return Effect.result(this.follow({ ...call, method: "GET", maxResponseBytes: 64 * 1024 }, authorization)).pipe(
      Effect.map((result) => (result._tag === "Success" && result.success.status === response.status ? result.success : response)),
    );
  }

  /**
   * Sends the call and follows redirects (to the registry's own origin only, with `sameOriginOnly`).
   * `authorization` goes only to the registry's own origin: a redirect to another host never receives it.
   */
  private follow(call: RegistryCall, authorization: Authorization | undefined): Effect.Effect<HttpResponse, PushError> {
    const self = this;
    return Effect.gen(function* () {
      let url = typeof call.url === "string" ? new URL(call.url, self.base) : call.url;
      let method = call.method;
      let body = call.body;
      for (let hop = 0; ; hop++) {
        const request = {
          method,
          url,
          headers: call.headers,
          body,
          maxResponseBytes: call.maxResponseBytes,
          responseTimeoutMs: call.responseTimeoutMs,
          openBodySink: call.openBodySink,
        };
        const response = yield* self.transport
          .send(request, url.origin === self.base.origin ? authorization : undefined)
          .pipe(Effect.mapError((error) => failureOf(self.context(call.operation), error)));
        const location = response.headers.location;
        if (!REDIRECTS.has(response.status) || location === undefined || hop >= MAX_REDIRECTS) return response;
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method !== "GET" && method !== "HEAD")) {
          if (method !== "POST") return response; // a moved upload cannot be replayed as a GET
          method = "GET";
          body = undefined;
        }
        const next = new URL(location, url);
        if (call.sameOriginOnly === true && next.origin !== self.base.origin) return response;
        url = next;
      }
    });
  }
}
