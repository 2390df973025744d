import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { HarborStandInStore, type Principal, type RobotAccess, type StandInSeed } from "./harbor-stand-in-store.js";
import type { RegistryTokenSigner } from "./registry-token.js";
import { empty, error, json, parseJson, readBody } from "./stand-in-http.js";
import { readRegistryManifest } from "./stand-in-registry-reader.js";
import { handleTokenRequest, parseBasicAuth, type StandInResponse, type TokenRequestRecord } from "./token-service.js";

/** One REST API call as the stand-in saw it (never the password). */
export interface ApiCallRecord {
  readonly at: string;
  readonly method: string;
  /** The raw path and query, as sent. */
  readonly path: string;
  /** The Basic username sent, if any. */
  readonly username: string | undefined;
  /** Who the call authenticated as; `undefined` = anonymous. */
  readonly principal: string | undefined;
  readonly status: number;
  /** Whether the request carried a `Cookie` header (API clients must not). */
  readonly cookie: boolean;
  /** The robot created or deleted by this call. */
  readonly robot?: { readonly id: number; readonly name: string } | undefined;
}

/** Options of {@link HarborApiStandIn}. */
export interface HarborApiStandInOptions {
  readonly store: HarborStandInStore;
  readonly signer: RegistryTokenSigner;
  /** @default "harbor-registry" */
  readonly service?: string | undefined;
  /** @default "harbor-token-issuer" */
  readonly issuer?: string | undefined;
  /** @default 1800 */
  readonly tokenLifetimeSeconds?: number | undefined;
  /** Serve HTTPS with this certificate and key (PEM). @default plain HTTP */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  /** @default 0 (a free port) */
  readonly port?: number | undefined;
  /** The registry artifacts are read from, and the CA (PEM) to trust for it. */
  readonly registry?: { readonly url: string; readonly ca?: string | undefined } | undefined;
  /** Required in the `x-stand-in-control` header of `/_stand-in/*` calls. @default random */
  readonly controlSecret?: string | undefined;
  /** @default "v2.13.0-stand-in" */
  readonly harborVersion?: string | undefined;
}

const API = "/api/v2.0";
const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const ROBOT_ACCESS = new Set([
  "repository:pull",
  "repository:push",
  "repository:delete",
  "repository:list",
  "artifact:read",
  "artifact:list",
  "artifact:delete",
  "tag:create",
  "tag:list",
  "tag:delete",
]);
/**
 * An HTTP stand-in for the parts of Harbor's REST API v2.0 and token service that skopush uses
 * (harbor.md §1, §5): ping, systeminfo, users/current, project HEAD/GET/POST, robot POST/GET/DELETE,
 * artifact GET (read from the real registry), and `/service/token`. It keeps Harbor's status codes,
 * error bodies, `X-Request-Id`, the `sid` cookie and the CSRF check that fires only when a client sends
 * that cookie back. Every call is recorded. It is a stand-in, not Harbor.
 */
export class HarborApiStandIn {
  /** REST API calls, in order. */
  readonly calls: ApiCallRecord[] = [];
  /** Token requests, in order. */
  readonly tokenRequests: TokenRequestRecord[] = [];
  readonly controlSecret: string;
  private registry: { url: string; ca?: string | undefined } | undefined;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly store: HarborStandInStore,
    private readonly options: HarborApiStandInOptions,
  ) {
    this.controlSecret = options.controlSecret ?? randomBytes(16).toString("hex");
    this.registry = options.registry;
  }

  /** Starts the stand-in on 127.0.0.1. */
  static async start(options: HarborApiStandInOptions): Promise<HarborApiStandIn> {
    let standIn: HarborApiStandIn | undefined;
    const listener: http.RequestListener = (req, res) => {
      void standIn!.handle(req, res).catch((cause: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: "internal server error" }] }));
        console.error("[harbor-stand-in]", cause);
      });
    };
    const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    standIn = new HarborApiStandIn(server, `${options.tls ? "https" : "http"}://127.0.0.1:${port}`, options.store, options);
    return standIn;
  }

  /** `host:port` of the stand-in. */
  get host(): string {
    return new URL(this.url).host;
  }

  /** The token service URL: the `realm` a registry's config names. */
  get realm(): string {
    return `${this.url}/service/token`;
  }

  /** Sets the registry artifact lookups read from. */
  connectRegistry(url: string, ca?: string): void {
    this.registry = { url, ca };
  }

  /** Stops listening and closes open connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = req.url ?? "/";
    const url = new URL(raw, "http://stand-in");
    let response: StandInResponse;
    if (url.pathname.startsWith("/_stand-in/")) {
      response = await this.control(req, url);
    } else if (url.pathname === "/service/token") {
      const { response: answer, record } = handleTokenRequest(
        this.store,
        { signer: this.options.signer, service: this.options.service, issuer: this.options.issuer, lifetimeSeconds: this.options.tokenLifetimeSeconds },
        { method: req.method ?? "GET", url, authorization: req.headers.authorization },
      );
      this.tokenRequests.push(record);
      response = answer;
    } else {
      const body = await readBody(req);
      const credentials = parseBasicAuth(req.headers.authorization);
      const api = await this.api(req.method ?? "GET", raw, url, credentials, req.headers, body);
      response = api.response;
      this.calls.push({
        at: new Date().toISOString(),
        method: req.method ?? "GET",
        path: raw,
        username: credentials?.username,
        principal: api.principal === undefined ? undefined : HarborStandInStore.nameOf(api.principal),
        status: response.status,
        cookie: req.headers.cookie !== undefined,
        robot: api.robot,
      });
    }
    const headers: Record<string, string | string[]> = { "x-request-id": randomUUID(), ...response.headers };
    // Harbor hands API clients a session cookie; a client that replays it trips the CSRF check.
    if (url.pathname.startsWith(API)) headers["set-cookie"] = `sid=${randomBytes(16).toString("hex")}; Path=/; HttpOnly`;
    res.writeHead(response.status, headers);
    res.end(req.method === "HEAD" ? undefined : response.body);
  }

  private async control(req: http.IncomingMessage, url: URL): Promise<StandInResponse> {
    if (req.headers["x-stand-in-control"] !== this.controlSecret) return error(403, "FORBIDDEN", "stand-in control secret missing or wrong");
    const body = await readBody(req);
    switch (`${req.method} ${url.pathname}`) {
      case "GET /_stand-in/calls":
        return json(200, this.calls);
      case "GET /_stand-in/token-requests":
        return json(200, this.tokenRequests);
      case "GET /_stand-in/robots":
        return json(200, [...this.store.robots.values()].map(({ secret: _secret, ...robot }) => robot));
      case "PUT /_stand-in/registry": {
        const registry = JSON.parse(body) as { url: string; ca?: string };
        this.connectRegistry(registry.url, registry.ca);
        return empty(204);
      }
      case "POST /_stand-in/seed":
        this.store.seed(JSON.parse(body) as StandInSeed);
        return empty(204);
      default:
        return error(404, "NOT_FOUND", "no such control call");
    }
  }

  private async api(
    method: string,
    raw: string,
    url: URL,
    credentials: { username: string; password: string } | undefined,
    headers: http.IncomingHttpHeaders,
    body: string,
  ): Promise<{ response: StandInResponse; principal?: Principal | undefined; robot?: { id: number; name: string } }> {
    if (!url.pathname.startsWith(`${API}/`)) return { response: error(404, "NOT_FOUND", "not found") };
    // Go decodes the path once before routing: `team%2Fapp` becomes two segments, `team%252Fapp` one.
    const path = decodeURIComponent(raw.split("?")[0] ?? "").slice(API.length);
    const cliSecretAllowed =
      (method === "GET" || method === "HEAD") && (path === "/projects" || path.startsWith("/projects/") || path === "/systeminfo")
        ? !path.includes("/artifacts/")
        : method === "POST" && path === "/projects";
    const principal = credentials && this.store.authenticate(credentials.username, credentials.password, cliSecretAllowed ? "cli-secret-api" : "api");
    const done = (response: StandInResponse, robot?: { id: number; name: string }) => ({ response, principal, robot });

    if (["POST", "PUT", "PATCH", "DELETE"].includes(method) && /(?:^|;\s*)sid=/.test(headers.cookie ?? "")) {
      return done(error(403, "FORBIDDEN", "CSRF token invalid"));
    }
    if (method === "GET" && path === "/ping") return done({ status: 200, headers: { "content-type": "text/plain" }, body: "Pong" });
    if (method === "GET" && path === "/systeminfo") return done(json(200, this.systemInfo(principal)));
    if (method === "GET" && path === "/users/current") {
      if (!principal) return done(error(401, "UNAUTHORIZED", "UnAuthorized"));
      if (principal.kind === "robot") return done(error(412, "PRECONDITION", "the current user is a robot account"));
      const user = principal.user;
      return done(json(200, { user_id: user.id, username: user.username, email: "", realname: user.username, sysadmin_flag: user.sysadmin, admin_role_in_auth: false }));
    }
    if (path === "/projects" && (method === "HEAD" || method === "GET") && url.searchParams.has("project_name")) {
      if (!principal) return done(error(401, "UNAUTHORIZED", "UnAuthorized"));
      return done(this.store.projects.has(url.searchParams.get("project_name") ?? "") ? empty(200) : error(404, "NOT_FOUND", "project not found"));
    }
    if (path === "/projects" && method === "POST") return done(this.createProject(principal, body));
    const projectGet = /^\/projects\/([^/]+)$/.exec(path);
    if (projectGet && method === "GET") {
      if (!principal) return done(error(401, "UNAUTHORIZED", "UnAuthorized"));
      const key = projectGet[1] ?? "";
      const project = headers["x-is-resource-name"] === "true" ? this.store.projects.get(key) : [...this.store.projects.values()].find((p) => String(p.id) === key) ?? this.store.projects.get(key);
      if (!project) return done(error(404, "NOT_FOUND", `project ${key} not found`));
      return done(json(200, { project_id: project.id, name: project.name, metadata: { public: String(project.public) }, creation_time: project.creationTime }));
    }
    if (path === "/robots" && method === "POST") {
      const created = this.createRobot(principal, body);
      return done(created.response, created.robot);
    }
    const robotPath = /^\/robots\/(\d+)$/.exec(path);
    if (robotPath && (method === "GET" || method === "DELETE")) {
      if (!principal) return done(error(401, "UNAUTHORIZED", "UnAuthorized"));
      const robot = this.store.robots.get(Number(robotPath[1]));
      if (!robot) return done(error(404, "NOT_FOUND", `robot ${robotPath[1]} not found`));
      const project = robot.project === undefined ? undefined : this.store.projects.get(robot.project);
      if (!project || !this.store.canAdminister(principal, project)) return done(error(403, "FORBIDDEN", "forbidden"));
      if (method === "DELETE") {
        this.store.robots.delete(robot.id);
        return done(empty(200), { id: robot.id, name: robot.name });
      }
      return done(json(200, { id: robot.id, name: robot.name, level: robot.level, disable: robot.disabled, expires_at: robot.expiresAt, duration: robot.duration, description: robot.description }));
    }
    const artifact = /^\/projects\/([^/]+)\/repositories\/([^/]+)\/artifacts\/([^/]+)$/.exec(path);
    if (artifact && method === "GET") {
      return done(await this.getArtifact(principal, artifact[1] ?? "", decodeURIComponent(artifact[2] ?? ""), artifact[3] ?? ""));
    }
    return done(error(404, "NOT_FOUND", "not found"));
  }

  private systemInfo(principal: Principal | undefined) {
    const anonymous = { auth_mode: this.store.authMode, self_registration: false, ...(this.store.authMode === "oidc_auth" ? { oidc_provider_name: "stand-in-idp" } : {}) };
    if (!principal) return anonymous;
    return {
      ...anonymous,
      harbor_version: this.options.harborVersion ?? "v2.13.0-stand-in",
      registry_url: this.registry ? new URL(this.registry.url).host : this.host,
      external_url: this.url,
      has_ca_root: false,
      project_creation_restriction: this.store.projectCreationRestriction,
      read_only: false,
    };
  }

  private createProject(principal: Principal | undefined, body: string): StandInResponse {
    if (!principal) return error(401, "UNAUTHORIZED", "UnAuthorized");
    const request = parseJson(body) as { project_name?: unknown; metadata?: { public?: unknown } } | undefined;
    const name = request?.project_name;
    if (typeof name !== "string" || !NAME.test(name) || name.length > 255) {
      return error(400, "BAD_REQUEST", `project name is not in lower case or contains illegal characters`);
    }
    if (principal.kind === "robot") return error(403, "FORBIDDEN", "forbidden");
    if (this.store.projectCreationRestriction === "adminonly" && !principal.user.sysadmin) {
      return error(403, "FORBIDDEN", "Only system admin can create project");
    }
    if (this.store.projects.has(name)) return error(409, "CONFLICT", `The project named ${name} already exists`);
    const project = this.store.addProject(name, request?.metadata?.public === "true", principal.user.username);
    return empty(201, { location: `${API}/projects/${project.id}` });
  }

  private createRobot(principal: Principal | undefined, body: string): { response: StandInResponse; robot?: { id: number; name: string } } {
    if (!principal) return { response: error(401, "UNAUTHORIZED", "UnAuthorized") };
    const request = parseJson(body) as
      | { name?: unknown; level?: unknown; duration?: unknown; description?: unknown; permissions?: Array<{ kind?: unknown; namespace?: unknown; access?: Array<{ resource?: unknown; action?: unknown }> }> }
      | undefined;
    if (!request) return { response: error(400, "BAD_REQUEST", "invalid request body") };
    const { name, level, duration } = request;
    if (typeof name !== "string" || !NAME.test(name)) return { response: error(400, "BAD_REQUEST", "robot name is not in lower case or contains illegal characters") };
    if (level !== "project") return { response: error(400, "BAD_REQUEST", `bad request error level: ${String(level)}`) };
    if (typeof duration !== "number" || !Number.isInteger(duration) || duration === 0 || duration < -1) {
      return { response: error(400, "BAD_REQUEST", "bad request error duration input") };
    }
    const permissions = Array.isArray(request.permissions) ? request.permissions : [];
    const permission = permissions[0];
    if (permissions.length !== 1 || permission?.kind !== "project" || typeof permission.namespace !== "string") {
      return { response: error(400, "BAD_REQUEST", "bad request permission") };
    }
    const access: RobotAccess[] = [];
    for (const item of permission.access ?? []) {
      const key = `${String(item.resource)}:${String(item.action)}`;
      if (!ROBOT_ACCESS.has(key)) return { response: error(400, "BAD_REQUEST", `bad request permission: ${key}`) };
      access.push({ resource: String(item.resource), action: String(item.action) });
    }
    const project = this.store.projects.get(permission.namespace);
    if (!project) return { response: error(404, "NOT_FOUND", `project ${permission.namespace} not found`) };
    if (!this.store.canAdminister(principal, project)) return { response: error(403, "FORBIDDEN", "forbidden") };
    const fullName = `${this.store.robotPrefix}${project.name}+${name}`;
    if (this.store.robotNamed(fullName)) return { response: error(409, "CONFLICT", `robot account ${fullName} already exists`) };
    const robot = this.store.addRobot(project.name, name, access, duration, typeof request.description === "string" ? request.description : "");
    return {
      response: json(
        201,
        { id: robot.id, name: robot.name, secret: robot.secret, creation_time: robot.creationTime, expires_at: robot.expiresAt },
        { location: `${API}/robots/${robot.id}` },
      ),
      robot: { id: robot.id, name: robot.name },
    };
  }

  private async getArtifact(principal: Principal | undefined, projectName: string, repository: string, reference: string): Promise<StandInResponse> {
    const project = this.store.projects.get(projectName);
    if (!project) return error(404, "NOT_FOUND", `project ${projectName} not found`);
    const name = `${projectName}/${repository}`;
    const canRead =
      principal?.kind === "robot"
        ? principal.robot.project === projectName && principal.robot.access.some((a) => a.resource === "artifact" && a.action === "read")
        : this.store.repositoryActions(principal, name).includes("pull");
    if (!canRead) return principal ? error(403, "FORBIDDEN", "forbidden") : error(401, "UNAUTHORIZED", "UnAuthorized");
    if (!this.registry) return error(500, "UNKNOWN", "internal server error");
    const manifest = await readRegistryManifest(this.registry, this.options.signer, { issuer: this.options.issuer, service: this.options.service }, name, reference);
    if (manifest.status === 404) return error(404, "NOT_FOUND", `artifact ${name}:${reference} not found`);
    if (manifest.status !== 200) return error(500, "UNKNOWN", "internal server error");
    return json(200, {
      digest: manifest.digest,
      manifest_media_type: manifest.mediaType,
      media_type: manifest.mediaType,
      size: manifest.size,
      push_time: new Date().toISOString(),
      repository_name: name,
      tags: reference.includes(":") ? [] : [{ name: reference }],
    });
  }
}
