import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
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

/** What an authorizer may need besides the credentials. */
export interface AuthorizerContext {
  /** The CA to trust for an HTTPS token realm, besides the public roots. */
  readonly caFile?: string | undefined;
}

/** Answers one challenge with an `Authorization` header value, or undefined when it cannot. */
export type Authorizer = (
  challenge: AuthChallenge,
  credentials: RegistryCredentials,
  context?: AuthorizerContext,
) => Promise<string | undefined>;

/** Basic: `username:password`, split by the server on the first `:`, so passwords may contain `:`. */
export const basicAuthorizer: Authorizer = async (_challenge, credentials) =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;

/**
 * Bearer (Harbor-style token auth): `GET realm?service=…&scope=…` with Basic credentials, then the
 * `token` (or `access_token`) of the answer. Undefined when the token service refuses or sends no token.
 */
export const bearerAuthorizer: Authorizer = async (challenge, credentials, context = {}) => {
  const realm = challenge.params["realm"];
  if (!realm) return undefined;
  const url = new URL(realm);
  if (challenge.params["service"]) url.searchParams.set("service", challenge.params["service"]);
  for (const scope of (challenge.params["scope"] ?? "").split(" ").filter((s) => s !== "")) url.searchParams.append("scope", scope);
  const basic = await basicAuthorizer(challenge, credentials, context);
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const options = { method: "GET", headers: { authorization: basic ?? "" }, timeout: 30_000, agent: false as const };
    const onResponse = (res: import("node:http").IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    };
    const req =
      url.protocol === "https:"
        ? httpsRequest(url, { ...options, ca: context.caFile ? [...rootCertificates, readFileSync(context.caFile, "utf8")] : undefined }, onResponse)
        : httpRequest(url, options, onResponse);
    req.on("timeout", () => req.destroy(new Error("the token service did not answer within 30 s")));
    req.on("error", reject);
    req.end();
  });
  if (body.status !== 200) return undefined;
  const parsed = JSON.parse(body.text) as { token?: string; access_token?: string };
  const token = parsed.token || parsed.access_token;
  return token ? `Bearer ${token}` : undefined;
};

/** The authorizer of each challenge scheme: Basic, and Bearer through the challenge's token service. */
export const AUTHORIZERS: Readonly<Record<string, Authorizer>> = {
  basic: basicAuthorizer,
  bearer: bearerAuthorizer,
};
