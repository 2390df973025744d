import {
  AuthenticationFailed,
  defaultRetrySettings,
  RegistryError,
  retryTransient,
  type Credentials,
  type PushError,
  type RetrySettings,
} from "@skopush/core";
import {
  checkCredentials,
  classifyBodySource,
  classifyRegistryTransport,
  parseRealm,
  pingRegistry,
  requestToken,
  type BodySourceError,
  type HttpResponse,
  type Transport,
  type TransportError,
  type TransportOptions,
} from "@skopush/registry-client";
import * as Effect from "effect/Effect";
import * as Redacted from "effect/Redacted";
import { authenticationFix, classifyHarborResponse } from "./classify-error.js";
import { harborTransport, type HarborTlsOptions } from "./harbor-transport.js";
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
  /** How to talk HTTP beyond the time limit (name resolution, `User-Agent`). @default the transport's defaults */
  readonly transport?: TransportOptions | undefined;
  /** Harbor's `robot_name_prefix`, to tell robots from users in messages. @default "robot$" */
  readonly robotNamePrefix?: string | undefined;
}

/**
 * A client of a registry's token service (Harbor's `/service/token`), used to check credentials before
 * the first push and to read which actions they are granted. The realm and service come from the
 * challenge of the registry's `GET /v2/`. It stands on `@skopush/registry-client`: its ping, its one
 * token fetcher and its credentials check, so the credentials rule applies here as everywhere.
 */
export class TokenServiceClient {
  private auth: RegistryAuth | undefined;
  private transport: Transport | undefined;

  constructor(private readonly options: TokenServiceClientOptions) {}

  /** `host[:port]` of the registry. */
  get registry(): string {
    return new URL(this.options.registryUrl).host;
  }

  /** How the registry wants to be authenticated (asked once, then remembered). */
  discover(): Effect.Effect<RegistryAuth, PushError> {
    return Effect.gen({ self: this }, function* () {
      if (this.auth) return this.auth;
      const transport = yield* this.connection();
      const scheme = new URL(this.options.registryUrl).protocol === "http:" ? "http" : "https";
      const context = { registry: this.registry, repository: "", operation: "ping" as const };
      const pinged = yield* this.retried(pingRegistry(transport, this.registry, [scheme], context));
      const response = pinged.response;
      if (response.status >= 200 && response.status < 300) return (this.auth = { kind: "none" });
      if (response.status !== 401) return yield* Effect.fail(classifyHarborResponse(response, { registry: this.registry, operation: "registryPing" }));
      if (pinged.auth.kind === "bearer") {
        const realm = yield* parseRealm(this.registry, pinged.auth.realm).pipe(
          Effect.mapError(() => new RegistryError({ registry: this.registry, status: 401, reason: `the Bearer challenge names an invalid realm URL ${JSON.stringify(pinged.auth.kind === "bearer" ? pinged.auth.realm : "")}` })),
        );
        return (this.auth = { kind: "bearer", realm, service: pinged.auth.service });
      }
      if (pinged.auth.kind === "basic") return (this.auth = { kind: "basic" });
      return yield* Effect.fail(new RegistryError({ registry: this.registry, status: 401, reason: "GET /v2/ answered 401 without a Bearer or Basic challenge" }));
    });
  }

  /** Fails with `AuthenticationFailed` unless the registry accepts `credentials`. */
  validate(credentials: Credentials): Effect.Effect<void, PushError> {
    return Effect.gen({ self: this }, function* () {
      const auth = yield* this.discover();
      if (auth.kind === "none") return;
      const verdict = yield* this.check(auth, credentials);
      if (verdict.kind === "refused") return yield* Effect.fail(this.refusalOf(auth, verdict.response, credentials));
      if (verdict.response.status !== 200) return yield* Effect.fail(this.classify(verdict.response, credentials));
      if (verdict.kind === "unconfirmed" && auth.kind === "bearer") {
        return yield* Effect.fail(
          new AuthenticationFailed({
            registry: this.registry,
            username: credentials.username,
            reason: "the token service answered 200 without a token, so the credentials could not be confirmed",
            fix: `check that ${auth.realm.origin}${auth.realm.pathname} is Harbor's token service`,
          }),
        );
      }
    });
  }

  /**
   * `AuthenticationFailed` when the registry refuses `credentials` outright (401 or 403 to them alone);
   * `undefined` when it accepts them, asks for none, or cannot be asked (the credentials rule withheld
   * them, or the registry could not be reached).
   */
  refusal(credentials: Credentials): Effect.Effect<AuthenticationFailed | undefined> {
    return Effect.gen({ self: this }, function* () {
      const auth = yield* this.discover();
      if (auth.kind === "none") return undefined;
      const verdict = yield* this.check(auth, credentials);
      return verdict.kind === "refused" ? this.refusalOf(auth, verdict.response, credentials) : undefined;
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
      const transport = yield* this.connection();
      const answer = yield* this.retried(requestToken(transport, { challenge: auth, scopes: [`repository:${repository}:pull,push`], credentials }));
      if (answer.response.status !== 200) return yield* Effect.fail(this.classify(answer.response, credentials));
      const access: TokenAccess[] | undefined = answer.token === undefined ? undefined : tokenAccess(answer.token);
      if (access === undefined) return undefined;
      const entry = access.find((a) => a.type === "repository" && a.name === repository);
      return entry?.actions ?? [];
    });
  }

  private check(auth: RegistryAuth & { kind: "bearer" | "basic" }, credentials: Credentials) {
    return Effect.flatMap(this.connection(), (transport) =>
      this.retried(
        checkCredentials(transport, auth.kind === "bearer" ? { kind: "bearer", challenge: auth } : { kind: "basic", origin: new URL(this.options.registryUrl) }, credentials),
      ),
    );
  }

  private refusalOf(auth: RegistryAuth, response: HttpResponse, credentials: Credentials): AuthenticationFailed {
    return new AuthenticationFailed({
      registry: this.registry,
      username: credentials.username,
      reason: `the ${auth.kind === "bearer" ? "token service" : "registry"} refused the credentials (HTTP ${response.status})`,
      fix: authenticationFix(credentials.username, this.options.robotNamePrefix),
    });
  }

  private classify(response: HttpResponse, credentials: Credentials): PushError {
    return classifyHarborResponse(response, {
      registry: this.registry,
      operation: "token",
      username: credentials.username,
      secrets: [Redacted.value(credentials.password)],
    });
  }

  /** Classifies what got no answer, and retries transient faults. */
  private retried<A>(self: Effect.Effect<A, TransportError | BodySourceError | PushError>): Effect.Effect<A, PushError> {
    const context = { registry: this.registry, repository: "", operation: "token" as const };
    return self.pipe(
      Effect.mapError((error): PushError =>
        error._tag === "TransportError" ? classifyRegistryTransport(context, error) : error._tag === "BodySourceError" ? classifyBodySource(context, error) : error,
      ),
      retryTransient(this.options.retry ?? defaultRetrySettings),
    );
  }

  private connection(): Effect.Effect<Transport, PushError> {
    return Effect.gen({ self: this }, function* () {
      this.transport ??= yield* harborTransport(this.registry, this.options.tls, this.options.timeoutMs ?? 30_000, this.options.transport);
      return this.transport;
    });
  }
}
