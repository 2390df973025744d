import { defaultPushTimeouts, TlsVerificationFailed, type PushError, type PushRequest } from "@skopush/core";
import * as Effect from "effect/Effect";
import * as Redacted from "effect/Redacted";
import { TokenCache } from "./auth/token-cache.js";
import { pushScopes } from "./auth/scope.js";
import { requestToken } from "./auth/token-fetch.js";
import { classifyBodySource, classifyRegistryTransport, type RegistryCallContext } from "./classify/classify-response.js";
import { credentialsWithheld } from "./credentials-rule.js";
import { candidateSchemes } from "./endpoint.js";
import { notARegistryError, pingRegistry, type PingResult } from "./ping.js";
import { acceptedButUnread, readStoredManifest, verifyPushed, type ExpectedImage, type StoredManifest } from "./read-back.js";
import { RegistryClient } from "./registry-client.js";
import { resolveTransportOptions, Transport, transportTimeoutsOf } from "./transport/transport.js";

const transportFor = (request: PushRequest) =>
  resolveTransportOptions({ timeouts: transportTimeoutsOf(request.timeouts ?? defaultPushTimeouts), systemCertDirs: true });

const unreadableCa = (registry: string) => (error: { code?: string | undefined; cause: unknown; detail: string }) =>
  new TlsVerificationFailed({ registry, reason: `the CA certificates cannot be read (${error.code ?? String(error.cause)}: ${error.detail})`, cause: error.cause });

/** The token realm a `GET /v2/` challenge names, as a URL (relative to the registry), or undefined. */
const realmOf = (pinged: PingResult): URL | undefined => {
  if (pinged.auth.kind !== "bearer") return undefined;
  try {
    return new URL(pinged.auth.realm, pinged.origin);
  } catch {
    return undefined;
  }
};

/**
 * The cheap check before a tool without time limits (skopeo) is started: one `GET /v2/` with the push's
 * TLS settings and `timeouts`. A silent or stalling server ends in `Timeout`, a server that is not a
 * registry in `NotARegistry`, before anything is staged. With credentials, a token realm they may not
 * go to under the credentials rule (`mayCarryCredentials`: plain http to another host) ends in `AuthenticationFailed`
 * before skopeo, which would send them there, is started. Behind a Bearer challenge the realm is asked for
 * a token too (the push's credentials and scopes), so a realm that never answers ends in `Timeout`.
 */
export const preflightRegistry = (request: PushRequest): Effect.Effect<PingResult, PushError> => {
  const registry = request.destination.registry;
  return Effect.scoped(
    Effect.gen(function* () {
      const transport = yield* Transport.scoped({ registry, trust: request.tls, options: transportFor(request) }).pipe(Effect.mapError(unreadableCa(registry)));
      const pinged = yield* pingRegistry(transport, registry, candidateSchemes(registry, request.tls.verify), {
        registry,
        repository: request.destination.repository,
        operation: "ping",
      });
      const notARegistry = notARegistryError(registry, pinged);
      if (notARegistry !== undefined) return yield* Effect.fail(notARegistry);
      // skopeo sends Basic credentials to whatever token realm the registry names: the rule is asked here.
      const realm = realmOf(pinged);
      if (request.credentials !== undefined && realm !== undefined && !transport.mayCarryCredentials(realm)) {
        return yield* Effect.fail(credentialsWithheld(registry, realm, request.credentials.username));
      }
      // skopeo waits on a token realm with no limit of its own: a realm that never answers ends here, within
      // the response limit. Whatever it answers is skopeo's to judge (its own errors name a refused login).
      if (realm !== undefined && pinged.auth.kind === "bearer") {
        const context: RegistryCallContext = {
          registry,
          repository: request.destination.repository,
          operation: "token",
          username: request.credentials?.username,
          secrets: request.credentials === undefined ? [] : [Redacted.value(request.credentials.password)],
        };
        yield* requestToken(transport, { challenge: { realm, service: pinged.auth.service }, scopes: pushScopes(request.destination.repository), credentials: request.credentials }).pipe(
          Effect.mapError((error) =>
            error._tag === "AuthenticationFailed" ? error : error._tag === "TransportError" ? classifyRegistryTransport(context, error) : classifyBodySource(context, error),
          ),
        );
      }
      return pinged;
    }),
  );
};

/**
 * Reads a finished push back with the push's own credentials and TLS settings: the tag (or digest) of
 * the destination must resolve to `expected.digest`, whose manifest references `expected.configDigest`.
 */
export const readBackPush = (request: PushRequest, expected: ExpectedImage): Effect.Effect<StoredManifest, PushError> =>
  withDestinationClient(
    request,
    (client) => verifyPushed(client, request.destination.registry, request.destination.repository, request.destination.manifestReference, expected),
    // skopeo's push succeeded: a read-back that cannot even connect must still say the tag may be written.
    (error) => acceptedButUnread(error, expected.digest, `${request.destination.repository}${request.destination.manifestReference.includes(":") ? "@" : ":"}${request.destination.manifestReference}`),
  );

/** What the destination's tag (or digest) resolves to now, with the push's credentials and TLS settings; undefined when nothing. */
export const readDestination = (request: PushRequest): Effect.Effect<StoredManifest | undefined, PushError> =>
  withDestinationClient(request, (client) => readStoredManifest(client, request.destination.repository, request.destination.manifestReference));

const withDestinationClient = <A>(
  request: PushRequest,
  use: (client: RegistryClient) => Effect.Effect<A, PushError>,
  onConnectFailure: (error: PushError) => PushError = (error) => error,
): Effect.Effect<A, PushError> => {
  const destination = request.destination;
  const repository = destination.repository;
  return Effect.scoped(
    Effect.gen(function* () {
      const client = yield* RegistryClient.connect(
        {
          host: destination.registry,
          repository,
          credentials: request.credentials,
          tls: request.tls,
          transport: transportFor(request),
          scopes: pushScopes(repository),
          archivePath: request.archive.path,
        },
        new TokenCache(),
      ).pipe(Effect.mapError(onConnectFailure));
      return yield* use(client);
    }),
  );
};
