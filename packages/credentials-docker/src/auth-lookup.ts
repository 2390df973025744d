import * as Effect from "effect/Effect";
import { CredentialsError, makeCredentials, type Credentials } from "@skopush/core";
import type { AuthEntry, AuthFile } from "./auth-file.js";
import { getFromCredentialHelper } from "./credential-helper.js";
import type { CredentialsSources } from "./credentials-sources.js";
import { normaliseContainersKey, normaliseDockerKey } from "./registry-key.js";

/** The first item whose key is exactly `wanted`, else the first whose normalised key is. */
const findByKey = <T extends { readonly key: string }>(
  items: ReadonlyArray<T>,
  wanted: string,
  normalise: (key: string) => string,
): T | undefined => items.find((item) => item.key === wanted) ?? items.find((item) => normalise(item.key) === wanted);

/** The `auths` entry of a docker `config.json` for a registry host. */
export const findDockerEntry = (file: AuthFile, host: string): AuthEntry | undefined =>
  findByKey(file.auths, host, normaliseDockerKey);

/** The `credHelpers` helper of a file for a registry host. */
export const findHelper = (file: AuthFile, host: string, normalise: (key: string) => string = normaliseDockerKey) =>
  findByKey(file.credHelpers, host, normalise)?.helper;

/** The most specific `auths` entry of a containers `auth.json` among `keys` (most specific first). */
export const findContainersEntry = (file: AuthFile, keys: ReadonlyArray<string>): AuthEntry | undefined => {
  for (const key of keys) {
    const entry = findByKey(file.auths, key, normaliseContainersKey);
    if (entry) return entry;
  }
  return undefined;
};

/** Turns an entry into credentials; `undefined` for an empty entry; an identity token is an error. */
export const entryCredentials = (source: string, entry: AuthEntry): Effect.Effect<Credentials | undefined, CredentialsError> => {
  switch (entry.value.kind) {
    case "password":
      return Effect.succeed(makeCredentials(entry.value.username, entry.value.password, `${source} (auths[${JSON.stringify(entry.key)}])`));
    case "empty":
      return Effect.succeed(undefined);
    case "identity-token":
      return Effect.fail(
        new CredentialsError({
          source,
          reason: `auths[${JSON.stringify(entry.key)}] holds an identitytoken (an OAuth2 refresh token); Harbor neither issues nor accepts these, and skopush will not push anonymously instead`,
          fix: "log in with a username and password or a Harbor robot account (docker login -u …), or pass credentials explicitly",
        }),
      );
  }
};

/** Asks a credential helper; "not found" is `undefined`. */
export const helperCredentials = (
  sources: CredentialsSources,
  helper: string,
  serverUrl: string,
  configuredIn: string,
): Effect.Effect<Credentials | undefined, CredentialsError> =>
  getFromCredentialHelper({ helper, serverUrl, configuredIn, env: sources.env, timeoutMs: sources.helperTimeoutMs }).pipe(
    Effect.map((answer) =>
      answer.kind === "password" ? makeCredentials(answer.username, answer.password, `docker-credential-${helper} (configured in ${configuredIn})`) : undefined,
    ),
  );
