import { NotARegistry, TlsVerificationFailed, type PushError } from "@skopush/core";
import * as Effect from "effect/Effect";
import { parseWwwAuthenticate } from "./auth/www-authenticate.js";
import { classifyBodySource, classifyRegistryTransport, type RegistryCallContext } from "./classify/classify-response.js";
import { NOT_TLS_CODES } from "./classify/tls-error-codes.js";
import type { HttpResponse } from "./transport/send-request.js";
import type { Transport } from "./transport/transport.js";

/** How a registry wants requests authorized, as its `GET /v2/` challenge says. */
export type RegistryAuthScheme =
  | { readonly kind: "none" }
  | { readonly kind: "basic" }
  | { readonly kind: "bearer"; readonly realm: string; readonly service: string | undefined };

/** What `GET /v2/` found. */
export interface PingResult {
  /** `https://host[:port]` or, where allowed, `http://host[:port]`. */
  readonly origin: URL;
  /** The auth scheme of a 401's challenge; `none` for any other answer. */
  readonly auth: RegistryAuthScheme;
  /**
   * Whether the answer looked like a registry's: a `Docker-Distribution-API-Version` header, or a 401
   * with a Basic or Bearer challenge. A web server answering 200 to everything does not.
   */
  readonly looksLikeRegistry: boolean;
  readonly response: HttpResponse;
}

/**
 * `NotARegistry` when `GET /v2/` was answered, but not as a registry answers: a success or a 404 without
 * `Docker-Distribution-API-Version` (a web server, a load balancer's default site). Error statuses of a
 * proxy (502, 503) are left to the caller: the registry behind may come back.
 */
export const notARegistryError = (registry: string, pinged: PingResult): NotARegistry | undefined => {
  const { status, headers } = pinged.response;
  if (pinged.looksLikeRegistry || !((status >= 200 && status < 300) || status === 404)) return undefined;
  const type = headers["content-type"]?.split(";")[0]?.trim();
  return new NotARegistry({ registry, answer: `${status}${type ? ` ${type}` : ""} without the Docker-Distribution-API-Version header a registry sends` });
};

/** The Bearer or Basic challenge of a 401, Bearer first. */
export const challengeOf = (response: Pick<HttpResponse, "headers">): RegistryAuthScheme => {
  const challenges = parseWwwAuthenticate(response.headers["www-authenticate"]);
  const bearer = challenges.find((c) => c.scheme === "bearer" && c.params["realm"]);
  if (bearer !== undefined) return { kind: "bearer", realm: bearer.params["realm"] ?? "", service: bearer.params["service"] };
  if (challenges.some((c) => c.scheme === "basic")) return { kind: "basic" };
  return { kind: "none" };
};

/**
 * `GET /v2/` without credentials, over each of `schemes` in turn: the next scheme is tried only when
 * the server did not speak TLS at all. Fails with the classified transport error, or with
 * `TlsVerificationFailed` when no allowed scheme was left for a plain-HTTP server.
 */
export const pingRegistry = (
  transport: Transport,
  host: string,
  schemes: ReadonlyArray<"https" | "http">,
  context: RegistryCallContext,
): Effect.Effect<PingResult, PushError> =>
  Effect.gen(function* () {
    for (const [i, scheme] of schemes.entries()) {
      const origin = new URL(`${scheme}://${host}`);
      const result = yield* Effect.result(transport.send({ method: "GET", url: new URL("/v2/", origin) }));
      if (result._tag === "Success") {
        const response = result.success;
        const auth = response.status === 401 ? challengeOf(response) : ({ kind: "none" } as const);
        const looksLikeRegistry = response.headers["docker-distribution-api-version"] !== undefined || auth.kind !== "none";
        return { origin, auth, looksLikeRegistry, response };
      }
      const error = result.failure;
      if (error._tag === "AuthenticationFailed") return yield* Effect.fail(error);
      if (error._tag === "BodySourceError") return yield* Effect.fail(classifyBodySource(context, error));
      const notTls = scheme === "https" && error.code !== undefined && NOT_TLS_CODES.has(error.code);
      if (notTls && i + 1 < schemes.length) continue;
      if (notTls) {
        // As skopeo says it: plain http is only ever an explicit opt-in.
        return yield* Effect.fail(
          new TlsVerificationFailed({
            registry: host,
            reason: "the registry answered in plain HTTP where HTTPS was required (it has no TLS endpoint at this address)",
          }),
        );
      }
      return yield* Effect.fail(classifyRegistryTransport(context, error));
    }
    return yield* Effect.die(new TypeError("[skopush] pingRegistry needs at least one scheme"));
  });
