import { HarborStandInStore, type Principal } from "./harbor-stand-in-store.js";
import { parseBasicAuth, resolvePrincipal } from "./security-context.js";
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

/** The repository actions a registry token can carry (src/core/service/token/creator.go `actionScopeMap`). */
const REPOSITORY_ACTIONS = ["pull", "push", "delete", "scanner-pull"] as const;

/**
 * Answers `GET /service/token` as Harbor does (src/core/service/token/token.go, creator.go): 405 for other
 * methods; 400 for another `service`; without `scope`, 401 with an empty body unless the credentials are
 * valid; with `scope`, always 200 — bad credentials get an anonymous token (`sub:""`). For each
 * repository, the token grants EVERY action the caller may do there (pull, push, delete, scanner-pull, in
 * no fixed order: Harbor iterates a Go map), whatever the scope asked for; nothing on a project that does
 * not exist. `registry:catalog` keeps the asked actions for system admins only.
 */
export const handleTokenRequest = async (
  store: HarborStandInStore,
  settings: TokenServiceSettings,
  request: { readonly method: string; readonly url: URL; readonly authorization: string | undefined },
): Promise<{ response: StandInResponse; record: TokenRequestRecord }> => {
  const service = settings.service ?? HARBOR_TOKEN_SERVICE;
  const credentials = parseBasicAuth(request.authorization);
  const scopes = request.url.searchParams
    .getAll("scope")
    .flatMap((value) => value.split(" "))
    .filter((value) => value.length > 0);
  const principal = await resolvePrincipal(store, { signer: settings.signer, service }, { method: request.method, path: request.url.pathname, authorization: request.authorization });
  const authenticated = HarborStandInStore.isAuthenticated(principal);
  const record = (status: number, access: ReadonlyArray<TokenAccessEntry> = []): TokenRequestRecord => ({
    at: new Date().toISOString(),
    method: request.method,
    username: credentials?.username,
    authenticated,
    scopes,
    status,
    access,
  });
  const plain = (status: number, body = ""): StandInResponse => ({ status, headers: { "content-type": "text/plain; charset=utf-8" }, body });

  if (request.method !== "GET") return { response: plain(405), record: record(405) };
  const asked = request.url.searchParams.get("service") ?? "";
  if (asked !== service) return { response: plain(400, `Unable to handle service: ${asked}`), record: record(400) };
  if (scopes.length === 0 && !authenticated) return { response: plain(401), record: record(401) };

  const access = scopes.map((scope) => resourceActions(scope)).map((entry) => ({ ...entry, actions: grantedActions(store, principal, entry) }));
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

/** One scope as Harbor splits it (src/core/service/token/authutils.go `GetResourceActions`): every part kept. */
const resourceActions = (scope: string): TokenAccessEntry => {
  const items = scope.split(":");
  if (items.length <= 2) return { type: items[0] ?? "", name: items[1] ?? "", actions: [] };
  const last = items[items.length - 1] ?? "";
  return { type: items[0] ?? "", name: items.slice(1, -1).join(":"), actions: last.length > 0 ? last.split(",") : [] };
};

const grantedActions = (store: HarborStandInStore, principal: Principal | undefined, entry: TokenAccessEntry): string[] => {
  if (entry.type === "repository") {
    const [project, repository] = splitOnce(entry.name, "/");
    if (repository === undefined || !store.projects.has(project)) return [];
    return shuffle(REPOSITORY_ACTIONS.filter((action) => store.can(principal, project, "repository", action)));
  }
  if (entry.type === "registry" && entry.name === "catalog") {
    return principal?.kind === "user" && principal.user.sysadmin ? [...entry.actions] : [];
  }
  return [];
};

const splitOnce = (text: string, separator: string): [string, string | undefined] => {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
};

const shuffle = <T>(items: ReadonlyArray<T>): T[] => {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
};
