import type { AuthenticationFailed, Credentials } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { BodySourceError, HttpResponse, TransportError } from "../transport/send-request.js";
import type { Transport } from "../transport/transport.js";
import { basicAuthorization } from "./basic.js";
import { requestToken, type BearerChallenge } from "./token-fetch.js";

/** What a registry says about credentials asked about alone. */
export type CredentialsVerdict =
  /** 401 or 403: wrong password, unknown user, expired or disabled robot. */
  | { readonly kind: "refused"; readonly response: HttpResponse }
  /** A token (Bearer) or a 200 (Basic): the credentials are good; missing rights are another matter. */
  | { readonly kind: "accepted"; readonly response: HttpResponse }
  /** Any other answer, or a 200 without a token: no proof either way. */
  | { readonly kind: "unconfirmed"; readonly response: HttpResponse };

/** How to ask: a token service named by a Bearer challenge, or `GET /v2/` with Basic credentials. */
export type CredentialsCheckTarget = { readonly kind: "bearer"; readonly challenge: BearerChallenge } | { readonly kind: "basic"; readonly origin: URL };

/**
 * Asks the registry about `credentials` alone: the one place that tells a wrong password from missing
 * rights. Bearer: a token request WITHOUT a scope, because with a scope Harbor answers bad credentials
 * with 200 and an anonymous token; Basic: `GET /v2/` with the credentials.
 */
export const checkCredentials = (
  transport: Transport,
  target: CredentialsCheckTarget,
  credentials: Credentials,
): Effect.Effect<CredentialsVerdict, TransportError | BodySourceError | AuthenticationFailed> => {
  const asked =
    target.kind === "bearer"
      ? requestToken(transport, { challenge: target.challenge, scopes: [], credentials }).pipe(
          Effect.map((answer) => ({ response: answer.response, confirmed: answer.token !== undefined })),
        )
      : transport
          .send({ method: "GET", url: new URL("/v2/", target.origin), headers: { accept: "application/json" } }, basicAuthorization(credentials))
          .pipe(Effect.map((response) => ({ response, confirmed: response.status === 200 })));
  return asked.pipe(
    Effect.map(({ response, confirmed }): CredentialsVerdict => {
      if (response.status === 401 || response.status === 403) return { kind: "refused", response };
      return { kind: response.status === 200 && confirmed ? "accepted" : "unconfirmed", response };
    }),
  );
};
