import type { RegistryCredentials } from "./htpasswd.js";

/** One `WWW-Authenticate` challenge: the scheme (lower case) and its parameters. */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1): `Basic realm="r"`, or
 * `Bearer realm="…",service="…",scope="repository:p/r:pull,push"` (commas inside quotes kept).
 */
export const parseChallenges = (header: string): ReadonlyArray<AuthChallenge> => {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let rest = header.trim();
  while (rest !== "") {
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) break;
    rest = rest.slice(scheme.length).trimStart();
    const challenge = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    challenges.push(challenge);
    for (;;) {
      const param = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*/.exec(rest);
      if (!param) break;
      rest = rest.slice(param[0].length);
      let value: string;
      if (rest.startsWith('"')) {
        const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
        if (!quoted) return challenges;
        value = quoted[1]!.replace(/\\(.)/g, "$1");
        rest = rest.slice(quoted[0].length);
      } else {
        value = TOKEN.exec(rest)?.[0] ?? "";
        rest = rest.slice(value.length);
      }
      challenge.params[param[1]!.toLowerCase()] = value;
      rest = rest.trimStart();
      if (!rest.startsWith(",")) break;
      rest = rest.slice(1).trimStart();
    }
    if (rest.startsWith(",")) rest = rest.slice(1).trimStart();
  }
  return challenges;
};

/** Answers one challenge with an `Authorization` header value, or undefined when it cannot. */
export type Authorizer = (challenge: AuthChallenge, credentials: RegistryCredentials) => Promise<string | undefined>;

/** Basic: `username:password`, split by the server on the first `:`, so passwords may contain `:`. */
export const basicAuthorizer: Authorizer = async (_challenge, credentials) =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;

/**
 * The authorizer of each challenge scheme. Bearer (Harbor-style token auth) is added here when the
 * environment gets its `token` registry: fetch `realm?service=…&scope=…` with Basic credentials.
 */
export const AUTHORIZERS: Readonly<Record<string, Authorizer>> = {
  basic: basicAuthorizer,
};
