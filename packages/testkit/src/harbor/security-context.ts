import type { HarborStandInStore, Principal } from "./harbor-stand-in-store.js";
import type { RegistryTokenSigner } from "./registry-token.js";

/** The parts of a request that decide who sent it. */
export interface RequestIdentity {
  readonly method: string;
  /** The path as Go's `req.URL.Path` has it: decoded once, without the query. */
  readonly path: string;
  readonly authorization: string | undefined;
}

/** How registry tokens are checked on `/v2/`: the stand-in's own key and service (the JWT `aud`). */
export interface TokenCheck {
  readonly signer: RegistryTokenSigner;
  readonly service: string;
}

/** `Authorization: Basic …` → username and password, split on the FIRST `:` (secrets may hold `:`). */
export const parseBasicAuth = (header: string | undefined): { username: string; password: string } | undefined => {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
};

const API = "/api/v2.0";
const REPOSITORIES = /^\/api\/v2\.0\/projects\/.*\/repositories$/;
const ARTIFACTS = /^\/api\/v2\.0\/projects\/.*\/repositories\/.*\/artifacts$/;
const TAG = /^\/api\/v2\.0\/projects\/.*\/repositories\/.*\/artifacts\/.*\/tags\/.*$/;
// src/common/const.go JwtLeeway.
const LEEWAY_SECONDS = 60;

/**
 * Where Harbor accepts an OIDC user's CLI secret (src/server/middleware/security/oidc_cli.go `valid`):
 * the token service, `/v2/*`, creating a project, and a few lists (projects, repositories, artifacts),
 * systeminfo, the API version, labels, and deleting a tag. Everywhere else the secret is anonymous:
 * `HEAD /projects?project_name=`, `GET /projects/{name}`, one artifact, `/users/current`, `/robots`.
 */
export const cliSecretAccepted = (method: string, rawPath: string): boolean => {
  const path = rawPath.replace(/\/$/, "");
  if (path === "/service/token" || path.startsWith("/v2")) return true;
  if (method === "POST" && path === `${API}/projects`) return true;
  if (method === "GET") {
    if ([`${API}/projects`, `${API}/systeminfo`, "/api/version", `${API}/labels`].includes(path)) return true;
    if (REPOSITORIES.test(path) || ARTIFACTS.test(path)) return true;
  }
  return method === "DELETE" && TAG.test(path);
};

/**
 * Who sent a request, as Harbor's security middleware decides it (src/server/middleware/security/security.go):
 * the first generator that recognises the request wins, in Harbor's order — an OIDC CLI secret where
 * `oidc_cli.go` accepts one, a registry token on `/v2/*` (`v2_token.go`), a robot (`robot.go`), a password
 * login (`basic_auth.go` → src/core/auth/authenticator.go, with its failed-login lock). `undefined` is
 * anonymous: wrong secrets, expired or disabled robots and CLI secrets out of place all end there.
 */
export const resolvePrincipal = async (store: HarborStandInStore, tokens: TokenCheck, request: RequestIdentity): Promise<Principal | undefined> => {
  const basic = parseBasicAuth(request.authorization);
  if (basic && cliSecretAccepted(request.method, request.path)) {
    const user = store.cliSecretLogin(basic.username, basic.password);
    if (user) return { kind: "user", user };
  }
  if (request.path.startsWith("/v2")) {
    const bearer = /^Bearer\s+(\S+)/i.exec(request.authorization ?? "")?.[1];
    if (bearer) {
      const principal = registryTokenPrincipal(store, tokens, bearer, request.path);
      if (principal) return principal;
    }
  }
  if (!basic) return undefined;
  const robot = store.robotLogin(basic.username, basic.password);
  if (robot) return { kind: "robot", robot };
  const user = await store.passwordLogin(basic.username, basic.password);
  return user && { kind: "user", user };
};

/**
 * A registry token Harbor accepts on `/v2/*` (src/server/middleware/security/v2_token.go): signed with its
 * key, for its service, in its validity (60 s leeway), and not issued before the project it is used for
 * was created (Harbor ≥ 2.13.5 rejects those: a token must not outlive a project deleted and made again).
 */
const registryTokenPrincipal = (store: HarborStandInStore, tokens: TokenCheck, token: string, path: string): Principal | undefined => {
  const claims = tokens.signer.verify(token);
  if (!claims || claims.aud !== tokens.service) return undefined;
  const now = Math.floor(Date.now() / 1000);
  if (claims.exp + LEEWAY_SECONDS < now || claims.nbf - LEEWAY_SECONDS > now || claims.iat - LEEWAY_SECONDS > now) return undefined;
  const project = /^\/v2\/([^/]+)\/.+/.exec(path)?.[1];
  if (project !== undefined && project !== "_catalog") {
    const found = store.projects.get(project);
    if (!found || (claims.iat + LEEWAY_SECONDS) * 1000 < Date.parse(found.creationTime)) return undefined;
  }
  return { kind: "token", subject: claims.sub, access: claims.access };
};

