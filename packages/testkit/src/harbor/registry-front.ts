import { createHash } from "node:crypto";
import type http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import { HarborStandInStore, type Principal, type StandInProject } from "./harbor-stand-in-store.js";
import { reserveStorage } from "./quota.js";
import type { RegistryTokenSigner, TokenAccessEntry } from "./registry-token.js";
import { resolvePrincipal } from "./security-context.js";
import { readBodyBytes } from "./stand-in-http.js";

/** One `/v2/` request as the stand-in's registry front saw it. */
export interface RegistryCallRecord {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  /** Who it authenticated as (`""` anonymous). */
  readonly principal: string;
  readonly status: number;
  /** The `Www-Authenticate` sent with a 401 (`""` = Harbor's empty challenge). */
  readonly challenge?: string | undefined;
}

/** What the registry front needs from the stand-in. */
export interface RegistryFrontContext {
  readonly store: HarborStandInStore;
  readonly signer: RegistryTokenSigner;
  readonly service: string;
  readonly issuer: string;
  /** The scheme of Harbor's external URL: the token realm's (the realm's host is the request's `Host`). */
  readonly scheme: "http" | "https";
  /** The registry behind (the test environment's token registry); `undefined` until connected. */
  readonly registry: () => { readonly url: string; readonly agent: https.Agent } | undefined;
}

/** One repository access a request needs (src/server/middleware/v2auth/access.go). */
interface RepositoryAccess {
  readonly repository: string;
  readonly project: string;
  readonly action: "pull" | "push" | "delete";
}

interface Parsed {
  readonly target: "login" | "catalog" | "repository" | "unknown";
  readonly access: ReadonlyArray<RepositoryAccess>;
  readonly kind?: "manifest" | "blob" | "blob_upload" | "tag_list" | "referrers" | undefined;
}

// distribution's reference.NameRegexp, and Harbor's URL patterns (src/lib/patterns.go). Its separator
// `[-]*` may be empty, which a backtracking engine (unlike Go's) turns exponential: `-+` matches the same names.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `${COMPONENT}(?:/${COMPONENT})*`;
const PATTERNS: ReadonlyArray<[NonNullable<Parsed["kind"]>, RegExp]> = [
  ["manifest", new RegExp(`^/v2/(${NAME})/manifests/(.*)$`)],
  ["tag_list", new RegExp(`^/v2/(${NAME})/tags/list`)],
  ["blob_upload", new RegExp(`^/v2/(${NAME})/blobs/uploads[/a-zA-Z0-9\\-_.=]*$`)],
  ["blob", new RegExp(`^/v2/(${NAME})/blobs/([a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$`)],
  ["referrers", new RegExp(`^/v2/(${NAME})/referrers/(.*)$`)],
];
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const METHOD_ACTIONS: Readonly<Record<string, RepositoryAccess["action"]>> = { POST: "push", PATCH: "push", PUT: "push", GET: "pull", HEAD: "pull", DELETE: "delete" };
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-authenticate", "proxy-authorization", "te", "trailer", "upgrade", "host", "authorization"]);
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

type Answer = { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string };
const harborError = (status: number, code: string, message: string, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: `${JSON.stringify({ errors: [{ code, message }] })}\n`,
});

/**
 * Harbor's core in front of its registry, for `/v2/*`: it decides who is asking (`security-context.ts`),
 * refuses writes in read-only mode (src/server/middleware/readonly), parses the repository (a name
 * without a project is `400 invalid repository name`, src/server/middleware/artifactinfo), checks the
 * access as src/server/middleware/v2auth/auth.go does — a project that does not exist is `401
 * UNAUTHORIZED "project X not found"` with an EMPTY `Www-Authenticate`, a refused action is 401 with a
 * Bearer challenge (no `Authorization` sent) or `Basic realm="harbor"` — then checks the storage quota as
 * src/server/middleware/quota does (blob upload start, blob upload end, manifest PUT: `403 DENIED` with
 * Harbor's message), and passes the request to the registry with a token of its own.
 */
export const handleRegistryRequest = async (context: RegistryFrontContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<RegistryCallRecord> => {
  const url = new URL(req.url ?? "/", "https://stand-in");
  const path = safeDecode(url.pathname);
  const method = req.method ?? "GET";
  const principal = await resolvePrincipal(context.store, { signer: context.signer, service: context.service }, { method, path, authorization: req.headers.authorization });
  const record = (status: number, challenge?: string): RegistryCallRecord => ({
    at: new Date().toISOString(),
    method,
    path: `${url.pathname}${url.search}`,
    principal: HarborStandInStore.nameOf(principal),
    status,
    challenge,
  });
  const send = (answer: Answer) => {
    res.writeHead(answer.status, { "docker-distribution-api-version": "registry/2.0", ...answer.headers });
    res.end(method === "HEAD" ? undefined : answer.body);
    return record(answer.status, answer.status === 401 ? answer.headers?.["www-authenticate"] : undefined);
  };

  if (!SAFE.has(method) && context.store.readOnly) {
    return send(harborError(403, "DENIED", "The system is in read only mode. Any modification is prohibited."));
  }
  const parsed = parse(path, method, url);
  if ("error" in parsed) return send(parsed.error);
  const refused = check(context, principal, parsed, req, path);
  if (refused) return send(refused);
  if (parsed.target === "login") return send({ status: 200, headers: { "content-type": "application/json" }, body: "{}" });

  const registry = context.registry();
  if (!registry) return send(harborError(500, "UNKNOWN", "internal server error"));
  const repository = parsed.access[0];
  const project = repository && context.store.projects.get(repository.project);
  const body = parsed.kind === "manifest" && method === "PUT" ? await readBodyBytes(req, MAX_MANIFEST_BYTES) : undefined;
  const charge = project ? storageCharge(context.store, project, parsed, method, url, req, body) : undefined;
  let release: (() => void) | undefined;
  if (charge && project) {
    const reserved = reserveStorage(project, charge.bytes);
    if ("exceeded" in reserved) return send(harborError(403, "DENIED", reserved.exceeded));
    release = reserved.release;
  }
  const { status, received } = await forward(context, registry, parsed, req, res, url, body);
  if (status >= 200 && status < 300) {
    if (charge && project) for (const [digest, size] of charge.counts) associate(context.store, project, digest, size);
    if (parsed.kind === "blob_upload" && method === "PATCH") {
      const session = sessionOf(url.pathname);
      acceptedBytes.set(session, (acceptedBytes.get(session) ?? 0) + received);
    }
  } else {
    release?.();
  }
  return record(status);
};

/** What a request costs the project's quota, and the digests (with sizes) it then counts. */
const storageCharge = (
  store: HarborStandInStore,
  project: StandInProject,
  parsed: Parsed,
  method: string,
  url: URL,
  req: http.IncomingMessage,
  body: Buffer | undefined,
): { readonly bytes: number; readonly counts: ReadonlyArray<[string, number]> } | undefined => {
  if (parsed.kind === "blob_upload" && method === "POST") {
    // post_initiate_blob_upload.go: a mount costs the blob's size, a new upload nothing (yet the check runs).
    const mount = url.searchParams.get("mount") ?? "";
    const size = blobSizes(store).get(mount);
    if (mount === "" || size === undefined) return { bytes: 0, counts: [] };
    return project.blobs.has(mount) ? undefined : { bytes: size, counts: [[mount, size]] };
  }
  if (parsed.kind === "blob_upload" && method === "PUT") {
    // put_blob_upload.go: the body's Content-Length, else what the PATCHes of the session brought.
    const digest = url.searchParams.get("digest") ?? "";
    const length = Number(req.headers["content-length"] ?? 0);
    const size = length > 0 ? length : (acceptedBytes.get(sessionOf(url.pathname)) ?? 0);
    if (size === 0 || project.blobs.has(digest)) return undefined;
    return { bytes: size, counts: [[digest, size]] };
  }
  if (parsed.kind === "manifest" && method === "PUT" && body) {
    // put_manifest.go: the manifest and every blob it names that the project does not count yet.
    const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
    if (project.blobs.has(digest)) return undefined;
    const counts: Array<[string, number]> = [[digest, body.length]];
    for (const reference of manifestReferences(body)) if (!project.blobs.has(reference.digest)) counts.push([reference.digest, reference.size]);
    return { bytes: counts.reduce((sum, [, size]) => sum + size, 0), counts };
  }
  return undefined;
};

const manifestReferences = (body: Buffer): Array<{ digest: string; size: number }> => {
  try {
    const manifest = JSON.parse(body.toString("utf8")) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
    return [manifest.config, ...(manifest.layers ?? []), ...(manifest.manifests ?? [])]
      .filter((d): d is Descriptor => typeof d?.digest === "string" && typeof d.size === "number" && !/foreign/i.test(d.mediaType ?? ""))
      .map((d) => ({ digest: d.digest, size: d.size }));
  } catch {
    return [];
  }
};
interface Descriptor {
  readonly digest: string;
  readonly size: number;
  readonly mediaType?: string;
}

// Harbor's blob table: every blob it has seen, in any project, with its size.
const knownBlobs = new WeakMap<HarborStandInStore, Map<string, number>>();
const blobSizes = (store: HarborStandInStore): Map<string, number> => {
  let sizes = knownBlobs.get(store);
  if (!sizes) knownBlobs.set(store, (sizes = new Map()));
  return sizes;
};
const associate = (store: HarborStandInStore, project: StandInProject, digest: string, size: number) => {
  project.blobs.add(digest);
  blobSizes(store).set(digest, size);
};

// The bytes each upload session's PATCHes brought, by session ID.
const acceptedBytes = new Map<string, number>();
const sessionOf = (pathname: string): string => pathname.slice(pathname.lastIndexOf("/") + 1);

/** The access a request needs (access.go) and the 400/404 answers of the artifact-info middleware. */
const parse = (path: string, method: string, url: URL): Parsed | { readonly error: Answer } => {
  if (path === "/v2/") return { target: "login", access: [] };
  if (/^\/v2\/_catalog(\/.*)?$/.test(path)) return { target: "catalog", access: [] };
  for (const [kind, pattern] of PATTERNS) {
    const match = pattern.exec(path);
    if (!match) continue;
    const repository = match[1] ?? "";
    const reference = kind === "manifest" || kind === "referrers" ? (match[2] ?? "") : undefined;
    if (reference !== undefined && !DIGEST.test(reference) && !TAG.test(reference)) return { error: harborError(404, "NOT_FOUND", "invalid reference format") };
    if (!repository.includes("/")) return { error: harborError(400, "BAD_REQUEST", `invalid repository name: ${repository}`) };
    const action = METHOD_ACTIONS[method];
    if (!action) return { target: "unknown", access: [], kind };
    const access: RepositoryAccess[] = [{ repository, project: repository.split("/")[0]!, action }];
    const from = kind === "blob_upload" ? url.searchParams.get("from") : null;
    if (from) {
      if (!from.includes("/")) return { error: harborError(400, "BAD_REQUEST", `invalid repository name: ${from}`) };
      if (method === "POST") access.push({ repository: from, project: from.split("/")[0]!, action: "pull" });
    }
    return { target: "repository", access, kind };
  }
  return { target: "unknown", access: [] };
};

/** src/server/middleware/v2auth/auth.go `check`: the 401 to send, or `undefined` to go on. */
const check = (context: RegistryFrontContext, principal: Principal | undefined, parsed: Parsed, req: http.IncomingMessage, path: string): Answer | undefined => {
  const store = context.store;
  const authorization = req.headers.authorization;
  const refuse = (message: string, challenge: string): Answer =>
    harborError(401, "UNAUTHORIZED", `${message}: ${message}`, { "www-authenticate": challenge });
  const challenge = () => {
    if (authorization || parsed.target === "catalog") return 'Basic realm="harbor"';
    const scope = parsed.access.map((a) => `repository:${a.repository}:${a.action === "push" ? "pull,push" : a.action}`).join(" ");
    const realm = `${context.scheme}://${req.headers.host ?? ""}/service/token`;
    return `Bearer realm="${realm}",service="harbor-registry"${scope ? `,scope="${scope}"` : ""}`;
  };
  if (parsed.target === "unknown") return refuse(`un-recognized request: ${req.method} ${path}`, "");
  if (parsed.target === "login") return HarborStandInStore.isAuthenticated(principal) ? undefined : refuse("unauthorized", challenge());
  if (parsed.target === "catalog") return principal?.kind === "user" && principal.user.sysadmin ? undefined : refuse("unauthorized to list catalog", challenge());
  for (const access of parsed.access) {
    if (!authorization && (req.method === "HEAD" || req.method === "GET")) {
      return refuse("authorize header needed to send HEAD to repository", challenge());
    }
    // Harbor looks the project up before the rights: a missing one answers with no challenge at all.
    if (!store.projects.has(access.project)) return refuse(`project ${access.project} not found`, "");
    if (!store.can(principal, access.project, "repository", access.action)) {
      return refuse(`unauthorized to access repository: ${access.repository}, action: ${access.action}`, challenge());
    }
  }
  return undefined;
};

/** Sends the request on to the registry with a token the stand-in signs for itself; streams the answer back. */
const forward = (
  context: RegistryFrontContext,
  registry: { readonly url: string; readonly agent: https.Agent },
  parsed: Parsed,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: Buffer | undefined,
): Promise<{ readonly status: number; readonly received: number }> => {
  const access: TokenAccessEntry[] =
    parsed.target === "catalog"
      ? [{ type: "registry", name: "catalog", actions: ["*"] }]
      : parsed.access.map((a) => ({ type: "repository", name: a.repository, actions: ["pull", "push", "delete"] }));
  const { token } = context.signer.sign({ issuer: context.issuer, service: context.service, subject: "harbor-core", access, lifetimeSeconds: 300 });
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  // The registry builds upload Locations from Host: they must point back here, as Harbor's do.
  headers["host"] = req.headers.host;
  headers["authorization"] = `Bearer ${token}`;
  if (body) headers["content-length"] = String(body.length);
  const target = new URL(`${url.pathname}${url.search}`, registry.url);
  return new Promise((resolve, reject) => {
    const upstream = https.request(target, { method: req.method, headers, agent: registry.agent, timeout: 300_000 }, (answer) => {
      const back: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) back[name] = value;
      res.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res);
      answer.on("end", () => resolve({ status: answer.statusCode ?? 502, received }));
      answer.on("error", reject);
    });
    upstream.on("timeout", () => upstream.destroy(new Error("the registry did not answer within 300 s")));
    upstream.on("error", reject);
    let received = 0;
    if (body) {
      upstream.end(body);
    } else {
      req.pipe(upstream);
      req.on("data", (chunk: Buffer) => void (received += chunk.length));
    }
  });
};

/** An HTTPS agent for the registry behind, trusting its CA. */
export const registryAgent = (ca: string | undefined): https.Agent =>
  new https.Agent({ keepAlive: true, ca: ca ? [...rootCertificates, ca] : undefined });

const safeDecode = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};
