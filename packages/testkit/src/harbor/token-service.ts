import { HarborStandInStore, type Principal } from "./harbor-stand-in-store.js";
import type { RegistryTokenSigner, TokenAccessEntry } from "./registry-token.js";

/** How the token service issues tokens. */
export interface TokenServiceSettings {
  readonly signer: RegistryTokenSigner;
  /** Must equal the registry's `auth.token.service` (the JWT `aud`). @default "harbor-registry" */
  readonly service?: string | undefined;
  /** Must equal the registry's `auth.token.issuer`. @default "harbor-token-issuer" */
  readonly issuer?: string | undefined;
  /** Harbor's `token_expiration` in seconds. @default 1800 */
  readonly lifetimeSeconds?: number | undefined;
}

/** A token request as the stand-in saw it (never the password). */
export interface TokenRequestRecord {
  readonly at: string;
  readonly method: string;
  /** The Basic username sent, if any. */
  readonly username: string | undefined;
  /** Whether the credentials were accepted. */
  readonly authenticated: boolean;
  readonly scopes: ReadonlyArray<string>;
  readonly status: number;
  /** What the issued token grants. */
  readonly access: ReadonlyArray<TokenAccessEntry>;
}

/** An HTTP answer, independent of the server that sends it. */
export interface StandInResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Default Harbor token settings. */
export const HARBOR_TOKEN_SERVICE = "harbor-registry";
/** Default Harbor token issuer. */
export const HARBOR_TOKEN_ISSUER = "harbor-token-issuer";

/** `Authorization: Basic …` → username and password, split on the FIRST `:` (secrets may hold `:`). */
export const parseBasicAuth = (header: string | undefined): { username: string; password: string } | undefined => {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
};

/**
 * Parses one scope: type before the first `:`, actions after the last `:` (comma-separated), the name
 * in between (it may hold a `host:port`). `undefined` when it has fewer than three parts.
 */
export const parseScope = (scope: string): TokenAccessEntry | undefined => {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(",").filter((a) => a.length > 0),
  };
};

/**
 * Answers `GET /service/token` exactly as Harbor does (registry-token-auth.md §5): 405 for other
 * methods; 400 for another `service`; without `scope`, 401 with an empty body unless the credentials are
 * valid; with `scope`, always 200 — bad credentials get an anonymous token (`sub:""`, actions of an
 * anonymous user) — granting the intersection of the requested and the allowed actions.
 */
export const handleTokenRequest = (
  store: HarborStandInStore,
  settings: TokenServiceSettings,
  request: { readonly method: string; readonly url: URL; readonly authorization: string | undefined },
): { response: StandInResponse; record: TokenRequestRecord } => {
  const service = settings.service ?? HARBOR_TOKEN_SERVICE;
  const credentials = parseBasicAuth(request.authorization);
  const scopes = request.url.searchParams
    .getAll("scope")
    .flatMap((value) => value.split(" "))
    .filter((value) => value.length > 0);
  const principal: Principal | undefined = credentials && store.authenticate(credentials.username, credentials.password, "token");
  const record = (status: number, access: ReadonlyArray<TokenAccessEntry> = []): TokenRequestRecord => ({
    at: new Date().toISOString(),
    method: request.method,
    username: credentials?.username,
    authenticated: principal !== undefined,
    scopes,
    status,
    access,
  });
  const plain = (status: number, body = ""): StandInResponse => ({ status, headers: { "content-type": "text/plain; charset=utf-8" }, body });

  if (request.method !== "GET") return { response: plain(405), record: record(405) };
  const asked = request.url.searchParams.get("service") ?? "";
  if (asked !== service) return { response: plain(400, `Unable to handle service: ${asked}`), record: record(400) };
  if (scopes.length === 0 && principal === undefined) return { response: plain(401), record: record(401) };

  const access: TokenAccessEntry[] = [];
  for (const scope of scopes) {
    const entry = parseScope(scope);
    if (!entry) continue;
    access.push({ type: entry.type, name: entry.name, actions: grantedActions(store, principal, entry) });
  }
  const lifetime = settings.lifetimeSeconds ?? 1800;
  const { token, claims } = settings.signer.sign({
    issuer: settings.issuer ?? HARBOR_TOKEN_ISSUER,
    service,
    subject: HarborStandInStore.nameOf(principal),
    access,
    lifetimeSeconds: lifetime,
  });
  const body = JSON.stringify({
    token,
    access_token: "",
    expires_in: lifetime,
    issued_at: new Date(claims.iat * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  });
  return { response: { status: 200, headers: { "content-type": "application/json" }, body }, record: record(200, access) };
};

const grantedActions = (store: HarborStandInStore, principal: Principal | undefined, entry: TokenAccessEntry): string[] => {
  if (entry.type === "repository") {
    const allowed = store.repositoryActions(principal, entry.name);
    return entry.actions.filter((action) => allowed.includes(action) || (action === "*" && allowed.includes("delete")));
  }
  if (entry.type === "registry" && entry.name === "catalog") {
    return principal?.kind === "user" && principal.user.sysadmin ? entry.actions.filter((a) => a === "*") : [];
  }
  return [];
};
