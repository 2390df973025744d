import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import { parseWwwAuthenticate, type AuthChallenge } from "@skopush/registry-client";

export type { AuthChallenge };
import type { RegistryCredentials } from "./htpasswd.js";

/** Parses a `WWW-Authenticate` header: `Basic realm="r"`, or `Bearer realm="…",service="…",scope="…"`. */
export const parseChallenges = (header: string): ReadonlyArray<AuthChallenge> => parseWwwAuthenticate(header);

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
