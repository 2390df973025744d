import { AuthenticationFailed, type Credentials } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { BodySourceError, HttpResponse, TransportError } from "../transport/send-request.js";
import type { Transport } from "../transport/transport.js";
import { basicAuthorization } from "./basic.js";

/** A Bearer challenge: where the token service is and which service to name. */
export interface BearerChallenge {
  readonly realm: URL;
  readonly service: string | undefined;
}

/** What to ask a token service for. */
export interface TokenRequest {
  readonly challenge: BearerChallenge;
  /** No scope asks about the credentials alone (Harbor then answers 401 to a wrong password). */
  readonly scopes: ReadonlyArray<string>;
  /** Sent as Basic, and named as `account`; anonymous when absent. */
  readonly credentials?: Credentials | undefined;
}

/** The token service's answer: the response itself, and the token and lifetime when it gave one. */
export interface TokenAnswer {
  readonly response: HttpResponse;
  readonly token: string | undefined;
  /** Seconds; 60 when the service named none (as the distribution spec says). */
  readonly expiresInSeconds: number;
}

/** The realm of a challenge as a URL; `AuthenticationFailed` when it is none, or neither http nor https. */
export const parseRealm = (registry: string, realm: string): Effect.Effect<URL, AuthenticationFailed> => {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return Effect.fail(new AuthenticationFailed({ registry, reason: `the registry's token realm ${JSON.stringify(realm)} is not a URL` }));
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Effect.fail(new AuthenticationFailed({ registry, reason: `the registry's token realm ${url.origin} is neither http nor https` }));
  }
  return Effect.succeed(url);
};

/** The token of a 200 answer (`token`, else `access_token`); `undefined` when there is none. */
export const tokenOf = (body: Uint8Array): { token: string | undefined; expiresInSeconds: number } => {
  let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown } = {};
  try {
    parsed = JSON.parse(Buffer.from(body).toString("utf8")) as typeof parsed;
  } catch {
    // not JSON: no token
  }
  const token = (typeof parsed.token === "string" && parsed.token) || (typeof parsed.access_token === "string" && parsed.access_token) || undefined;
  const expiresInSeconds = typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : 60;
  return { token, expiresInSeconds };
};

/**
 * `GET <realm>?service=…&scope=…&account=…`, with Basic credentials when there are any: the one token
 * fetcher of skopush (docs.docker.com/registry/spec/auth/token). The answer is returned whatever its
 * status; the credentials rule of {@link Transport.send} decides whether the credentials may go.
 */
export const requestToken = (
  transport: Transport,
  request: TokenRequest,
): Effect.Effect<TokenAnswer, TransportError | BodySourceError | AuthenticationFailed> => {
  const url = new URL(request.challenge.realm);
  if (request.challenge.service !== undefined) url.searchParams.append("service", request.challenge.service);
  for (const scope of request.scopes) url.searchParams.append("scope", scope);
  if (request.credentials !== undefined) url.searchParams.append("account", request.credentials.username);
  return transport
    .send(
      { method: "GET", url, headers: { accept: "application/json" }, maxResponseBytes: 1024 * 1024 },
      request.credentials === undefined ? undefined : basicAuthorization(request.credentials),
    )
    .pipe(Effect.map((response) => ({ response, ...(response.status === 200 ? tokenOf(response.body) : { token: undefined, expiresInSeconds: 0 }) })));
};
