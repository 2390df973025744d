import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { API, type ApiAnswer, type ApiRequest } from "./api-request.js";
import { acceptable, notAcceptableBody } from "./content-negotiation.js";
import { HarborStandInStore, type Principal, type StandInSeed } from "./harbor-stand-in-store.js";
import { createProject, getProject, headProject, listProjects } from "./project-api.js";
import { handleRegistryRequest, registryAgent, type RegistryCallRecord } from "./registry-front.js";
import type { RegistryTokenSigner } from "./registry-token.js";
import { createRobot, readOrDeleteRobot } from "./robot-api.js";
import { parseBasicAuth, resolvePrincipal } from "./security-context.js";
import { empty, error, json, readBody } from "./stand-in-http.js";
import { readRegistryManifest } from "./stand-in-registry-reader.js";
import { handleTokenRequest, HARBOR_TOKEN_ISSUER, HARBOR_TOKEN_SERVICE, type StandInResponse, type TokenRequestRecord } from "./token-service.js";

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

/**
 * An HTTP stand-in for the parts of Harbor that skopush meets, each rule following the Harbor source file
 * named where it is implemented: the REST API v2.0 calls (ping, systeminfo, users/current, projects,
 * robots, one artifact), the token service `/service/token`, and Harbor's core in front of the registry
 * on `/v2/*` (authentication, project and quota checks, then the real registry behind). Who a request
 * comes from is decided once for all three (`security-context.ts`). It keeps Harbor's status codes, error
 * bodies, `X-Request-Id`, content negotiation, the `sid` cookie and the CSRF check that fires only when a
 * client sends that cookie back. Every call is recorded. It is a stand-in, not Harbor.
 */
export class HarborApiStandIn {
  /** REST API calls, in order. */
  readonly calls: ApiCallRecord[] = [];
  /** Token requests, in order. */
  readonly tokenRequests: TokenRequestRecord[] = [];
  /** `/v2/*` requests, in order. */
  readonly registryCalls: RegistryCallRecord[] = [];
  readonly controlSecret: string;
  private registry: { url: string; ca?: string | undefined; agent: https.Agent } | undefined;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly store: HarborStandInStore,
    private readonly options: HarborApiStandInOptions,
  ) {
    this.controlSecret = options.controlSecret ?? randomBytes(16).toString("hex");
    if (options.registry) this.connectRegistry(options.registry.url, options.registry.ca);
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

  /** `host:port` of the stand-in: Harbor's API host, and its registry's. */
  get host(): string {
    return new URL(this.url).host;
  }

  /** The token service URL: the `realm` a registry's config names. */
  get realm(): string {
    return `${this.url}/service/token`;
  }

  /** Sets the registry behind `/v2/*` and artifact lookups, and the CA (PEM) to trust for it. */
  connectRegistry(url: string, ca?: string): void {
    this.registry?.agent.destroy();
    this.registry = { url, ca, agent: registryAgent(ca) };
  }

  /** Stops listening and closes open connections. */
  close(): Promise<void> {
    this.registry?.agent.destroy();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private get service(): string {
    return this.options.service ?? HARBOR_TOKEN_SERVICE;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = req.url ?? "/";
    const url = new URL(raw, "http://stand-in");
    if (url.pathname.startsWith("/v2")) {
      const registry = this.registry;
      this.registryCalls.push(
        await handleRegistryRequest(
          {
            store: this.store,
            signer: this.options.signer,
            service: this.service,
            issuer: this.options.issuer ?? HARBOR_TOKEN_ISSUER,
            scheme: this.options.tls ? "https" : "http",
            registry: () => registry,
          },
          req,
          res,
        ),
      );
      return;
    }
    let response: StandInResponse;
    if (url.pathname.startsWith("/_stand-in/")) {
      response = await this.control(req, url);
    } else if (url.pathname === "/service/token") {
      const { response: answer, record } = await handleTokenRequest(
        this.store,
        { signer: this.options.signer, service: this.options.service, issuer: this.options.issuer, lifetimeSeconds: this.options.tokenLifetimeSeconds },
        { method: req.method ?? "GET", url, authorization: req.headers.authorization },
      );
      this.tokenRequests.push(record);
      response = answer;
    } else {
      const body = await readBody(req);
      const method = req.method ?? "GET";
      // Go decodes the path once before routing: `team%2Fapp` becomes two segments, `team%252Fapp` one.
      const path = decodeURIComponent(raw.split("?")[0] ?? "");
      const principal = await resolvePrincipal(this.store, { signer: this.options.signer, service: this.service }, { method, path, authorization: req.headers.authorization });
      const api = await this.api({ method, path: path.slice(API.length), query: url.searchParams, headers: req.headers, body, principal, rawPath: url.pathname });
      response = api.response;
      this.calls.push({
        at: new Date().toISOString(),
        method,
        path: raw,
        username: parseBasicAuth(req.headers.authorization)?.username,
        principal: principal === undefined ? undefined : HarborStandInStore.nameOf(principal),
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
      case "GET /_stand-in/registry-calls":
        return json(200, this.registryCalls);
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

  /** Routes a REST API call the way Harbor's middlewares and handlers (src/server/v2.0/handler) take it. */
  private async api(request: ApiRequest): Promise<ApiAnswer> {
    const { method, path, principal } = request;
    const done = (response: StandInResponse): ApiAnswer => ({ response });
    if (!path.startsWith("/") || !request.rawPath.startsWith(`${API}/`)) return done(error(404, "NOT_FOUND", "not found"));
    // src/server/middleware/csrf/csrf.go: skipped for API clients unless they send the session cookie back.
    if (["POST", "PUT", "PATCH", "DELETE"].includes(method) && /(?:^|;\s*)sid=/.test(request.headers.cookie ?? "")) {
      return done(error(403, "FORBIDDEN", "CSRF token invalid"));
    }
    // src/server/middleware/readonly/readonly.go
    if (this.store.readOnly && !["GET", "HEAD", "OPTIONS"].includes(method)) {
      return done(error(403, "DENIED", "The system is in read only mode. Any modification is prohibited."));
    }
    // api/v2.0/swagger.yaml: /ping produces text/plain, everything else application/json; go-openapi
    // refuses an Accept that matches neither before the handler runs.
    const produces = path === "/ping" ? ["text/plain"] : ["application/json"];
    if (!acceptable(request.headers.accept, produces)) {
      return done({ status: 422, headers: { "content-type": "application/json; charset=utf-8" }, body: notAcceptableBody(produces) });
    }
    if (method === "GET" && path === "/ping") return done({ status: 200, headers: { "content-type": "text/plain" }, body: "Pong" });
    if (method === "GET" && path === "/systeminfo") return done(json(200, this.systemInfo(principal)));
    if (method === "GET" && path === "/users/current") return done(this.currentUser(principal));
    if (path === "/projects" && method === "HEAD") return headProject(this.store, request);
    if (path === "/projects" && method === "GET") return listProjects(this.store, request);
    if (path === "/projects" && method === "POST") return createProject(this.store, request);
    const project = /^\/projects\/([^/]+)$/.exec(path);
    if (project && method === "GET") return getProject(this.store, request, project[1] ?? "");
    if (path === "/robots" && method === "POST") return createRobot(this.store, request);
    const robot = /^\/robots\/(\d+)$/.exec(path);
    if (robot && (method === "GET" || method === "DELETE")) return readOrDeleteRobot(this.store, request, Number(robot[1]));
    const artifact = /^\/projects\/([^/]+)\/repositories\/([^/]+)\/artifacts\/([^/]+)$/.exec(path);
    if (artifact && method === "GET") {
      return done(await this.getArtifact(principal, artifact[1] ?? "", decodeURIComponent(artifact[2] ?? ""), artifact[3] ?? ""));
    }
    return done(error(404, "NOT_FOUND", "not found"));
  }

  /** src/server/v2.0/handler/user.go `GetCurrentUserInfo`: 401 anonymous, 412 for any security context but a user's. */
  private currentUser(principal: Principal | undefined): StandInResponse {
    if (!HarborStandInStore.isAuthenticated(principal)) return error(401, "UNAUTHORIZED", "unauthorized");
    if (principal.kind !== "user") return error(412, "PRECONDITION", `get current user not available for security context: ${principal.kind === "robot" ? "robot" : "v2token"}`);
    const user = principal.user;
    return json(200, { user_id: user.id, username: user.username, email: "", realname: user.username, sysadmin_flag: user.sysadmin, admin_role_in_auth: false });
  }

  private systemInfo(principal: Principal | undefined) {
    const anonymous = { auth_mode: this.store.authMode, self_registration: false, ...(this.store.authMode === "oidc_auth" ? { oidc_provider_name: "stand-in-idp" } : {}) };
    if (!HarborStandInStore.isAuthenticated(principal)) return anonymous;
    return {
      ...anonymous,
      harbor_version: this.options.harborVersion ?? "v2.13.0-stand-in",
      registry_url: this.host,
      external_url: this.url,
      has_ca_root: false,
      project_creation_restriction: this.store.projectCreationRestriction,
      read_only: this.store.readOnly,
    };
  }

  /** `GET …/artifacts/{reference}` (src/server/v2.0/handler/artifact.go): needs `artifact:read` in the project. */
  private async getArtifact(principal: Principal | undefined, projectName: string, repository: string, reference: string): Promise<StandInResponse> {
    if (!this.store.can(principal, projectName, "artifact", "read")) {
      return HarborStandInStore.isAuthenticated(principal) ? error(403, "FORBIDDEN", "forbidden") : error(401, "UNAUTHORIZED", "unauthorized");
    }
    if (!this.store.projects.has(projectName)) return error(404, "NOT_FOUND", `project ${projectName} not found`);
    const name = `${projectName}/${repository}`;
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
