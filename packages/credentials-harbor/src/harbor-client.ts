import {
  basicAuthorization,
  type BodySourceError,
  candidateSchemes,
  NOT_TLS_CODES,
  type HttpMethod,
  type HttpResponse,
  type Transport,
  type TransportError,
  type TransportOptions,
} from "@skopush/registry-client";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Redacted from "effect/Redacted";
import {
  type AuthenticationFailed,
  defaultRetrySettings,
  InvalidReference,
  parseRegistryEndpoint,
  RegistryError,
  retryTransient,
  type Credentials,
  type PushError,
  type RegistryEndpoint,
  type RetrySettings,
} from "@skopush/core";
import { classifyHarborResponse, classifyTransportError, type HarborCallContext, type HarborOperation } from "./classify-error.js";
import { harborTransport, type HarborTlsOptions } from "./harbor-transport.js";
import type { Artifact, CreateRobotRequest, HarborProject, HarborUser, Robot, SystemInfo } from "./harbor-types.js";

/** Options of {@link HarborClient}. */
export interface HarborClientOptions {
  /**
   * Harbor's URL, e.g. `https://harbor.example.com`; a bare `host[:port]` means https. `http://` means
   * plain http only. For https, the registry client's scheme rule (`candidateSchemes`) applies: a server
   * that does not speak TLS is asked again over plain http when it is on loopback or `tls.insecure` is set.
   */
  readonly url: string;
  /** Sent as Basic auth on every call (Harbor has no login endpoint for API clients). @default anonymous */
  readonly credentials?: Credentials | undefined;
  /** @default verify against the system roots */
  readonly tls?: HarborTlsOptions | undefined;
  /** Time limit of one HTTP request. @default 30000 */
  readonly timeoutMs?: number | undefined;
  /** Retries of idempotent calls on 429/502/503/504 and connection failures. @default core's defaultRetrySettings */
  readonly retry?: RetrySettings | undefined;
  /** How to talk HTTP beyond the time limit (name resolution, `User-Agent`). @default the transport's defaults */
  readonly transport?: TransportOptions | undefined;
  /** Harbor's `robot_name_prefix`, to tell robots from users in messages. @default "robot$" */
  readonly robotNamePrefix?: string | undefined;
}

/** Default of {@link HarborClientOptions.timeoutMs}. */
export const DEFAULT_HARBOR_TIMEOUT_MS = 30_000;

const API = "/api/v2.0";
/** Harbor's largest `page_size`. */
const PAGE_SIZE = 100;
/** A bound on the pages {@link HarborClient.findProject} reads: 10,000 projects matching the name. */
const MAX_PAGES = 100;

/** Larger bodies are cut: Harbor's JSON answers are small, and nothing here needs more. */
const MAX_BODY_BYTES = 1024 * 1024;

interface Call {
  readonly operation: HarborOperation;
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>> | undefined;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly project?: string | undefined;
  readonly repository?: string | undefined;
  /** Statuses that are answers, not errors. @default 2xx */
  readonly accept?: ReadonlyArray<number> | undefined;
  /** Safe to send again after a transient failure. */
  readonly idempotent: boolean;
}

/**
 * A client of Harbor's REST API v2.0: Basic auth on every call, no cookies (Harbor's CSRF check fires
 * only for requests carrying its `sid` cookie), TLS verified unless `insecure` is given. Every failure
 * is one of core's tagged errors, and no message contains the secret.
 */
export class HarborClient {
  /** Harbor's `host[:port]` and scheme. */
  readonly endpoint: RegistryEndpoint | InvalidReference;
  private readonly transport: Effect.Effect<Transport, PushError>;
  /** The schemes still allowed, in order; the first is the one in use. Narrowed to one by the first answer. */
  private schemes: ReadonlyArray<"https" | "http">;

  constructor(private readonly options: HarborClientOptions) {
    this.endpoint = parseRegistryEndpoint(options.url);
    const registry = this.registry;
    this.transport = once(harborTransport(registry, options.tls, options.timeoutMs ?? DEFAULT_HARBOR_TIMEOUT_MS, options.transport));
    const endpoint = this.endpoint;
    this.schemes =
      endpoint instanceof InvalidReference || endpoint.scheme === "http" ? ["http"] : candidateSchemes(endpoint.host, options.tls?.insecure !== true);
  }

  /** `host[:port]` of this Harbor, for messages. */
  get registry(): string {
    return this.endpoint instanceof InvalidReference ? this.options.url : this.endpoint.host;
  }

  /** `https://host[:port]`, or `http://` when the URL said so or the scheme rule fell back to it. */
  get baseUrl(): string {
    return this.endpoint instanceof InvalidReference ? this.options.url : `${this.schemes[0] ?? this.endpoint.scheme}://${this.endpoint.host}`;
  }

  /** The same Harbor with other credentials (sharing nothing mutable). */
  withCredentials(credentials: Credentials | undefined): HarborClient {
    return new HarborClient({ ...this.options, credentials });
  }

  /** `GET /ping`: Harbor is up (no auth needed). It answers only `text/plain`: asking for JSON is a 422. */
  ping(): Effect.Effect<void, PushError> {
    return this.call({ operation: "ping", method: "GET", path: "/ping", headers: { accept: "text/plain" }, idempotent: true }).pipe(Effect.asVoid);
  }

  /** `GET /systeminfo`: `auth_mode` always; version and URLs when authenticated. */
  systemInfo(): Effect.Effect<SystemInfo, PushError> {
    return this.json<SystemInfo>({ operation: "systemInfo", method: "GET", path: "/systeminfo", idempotent: true });
  }

  /** `GET /users/current`: the logged-in user; robots get a `CredentialsError` (Harbor answers 412). */
  currentUser(): Effect.Effect<HarborUser, PushError> {
    return this.json<HarborUser>({ operation: "currentUser", method: "GET", path: "/users/current", idempotent: true });
  }

  /**
   * `HEAD /projects?project_name=`: whether the project exists, whether or not the account may see it.
   * Harbor answers an OIDC CLI secret 401 here (it accepts them on the project list only): use
   * {@link findProject} for those.
   */
  projectExists(project: string): Effect.Effect<boolean, PushError> {
    return this.call({
      operation: "projectExists",
      method: "HEAD",
      path: "/projects",
      query: { project_name: project },
      accept: [200, 404],
      idempotent: true,
    }).pipe(Effect.map((response) => response.status === 200));
  }

  /**
   * The project as `GET /projects?name=` lists it, matched by its exact name (`name` is a substring
   * search, paged by 100); `undefined` when the account does not see it: it does not exist, or it is
   * private and the account is not a member. Every account may call it, OIDC CLI secrets included.
   */
  findProject(project: string): Effect.Effect<HarborProject | undefined, PushError> {
    const page = (number: number): Effect.Effect<HarborProject | undefined, PushError> =>
      this.call({
        operation: "findProject",
        method: "GET",
        path: "/projects",
        query: { name: project, page: String(number), page_size: String(PAGE_SIZE) },
        project,
        idempotent: true,
      }).pipe(
        Effect.flatMap((response) => {
          const listed = this.parse<unknown>("findProject", response);
          if (listed instanceof RegistryError) return Effect.fail(listed);
          if (!Array.isArray(listed)) {
            return Effect.fail(new RegistryError({ registry: this.registry, status: response.status, reason: "findProject: Harbor answered the project list with something that is not a list" }));
          }
          const found = (listed as HarborProject[]).find((p) => p?.name === project);
          if (found) return Effect.succeed(found);
          const total = Number(response.headers["x-total-count"]);
          const more = Number.isFinite(total) ? number * PAGE_SIZE < total : listed.length === PAGE_SIZE;
          return more && number < MAX_PAGES ? page(number + 1) : Effect.succeed(undefined);
        }),
      );
    return page(1);
  }

  /**
   * Creates a private project unless the account sees it already (`GET /projects?name=`, then `POST`; a
   * 409 from a racing creator, or for a project the account cannot see, is "existed"). No `storage_limit`
   * is sent: the project gets the site's default quota (for a system admin, Harbor would honour any).
   */
  ensureProject(project: string): Effect.Effect<"created" | "existed", PushError> {
    const create = this.call({
      operation: "ensureProject",
      method: "POST",
      path: "/projects",
      body: { project_name: project, metadata: { public: "false" } },
      project,
      accept: [201, 409],
      // A repeated POST answers 409, which is success here.
      idempotent: true,
    }).pipe(Effect.map((response) => (response.status === 201 ? ("created" as const) : ("existed" as const))));
    return this.findProject(project).pipe(Effect.flatMap((found) => (found ? Effect.succeed("existed" as const) : create)));
  }

  /**
   * `POST /robots`: a project-level robot that may pull and push repositories and read artifacts.
   * Its full name (with Harbor's configured prefix) and its secret come from the answer.
   */
  createRobot(request: CreateRobotRequest): Effect.Effect<Robot, PushError> {
    const body = {
      name: request.name,
      description: request.description ?? "created by skopush",
      level: "project",
      duration: request.durationDays,
      disable: false,
      permissions: [
        {
          kind: "project",
          namespace: request.project,
          access: [
            { resource: "repository", action: "pull" },
            { resource: "repository", action: "push" },
            { resource: "artifact", action: "read" },
          ],
        },
      ],
    };
    return this.json<{ id: number; name: string; secret: string; expires_at?: number; creation_time?: string }>({
      operation: "createRobot",
      method: "POST",
      path: "/robots",
      body,
      project: request.project,
      accept: [201],
      idempotent: false,
    }).pipe(
      Effect.map((robot) => ({
        id: robot.id,
        name: robot.name,
        secret: Redacted.make(robot.secret, { label: "robot secret" }),
        expiresAt: robot.expires_at ?? -1,
      })),
    );
  }

  /** `DELETE /robots/{id}`; a robot already gone counts as deleted. */
  deleteRobot(id: number): Effect.Effect<void, PushError> {
    return this.call({
      operation: "deleteRobot",
      method: "DELETE",
      path: `/robots/${encodeURIComponent(String(id))}`,
      accept: [200, 404],
      idempotent: true,
    }).pipe(Effect.asVoid);
  }

  /**
   * `GET /projects/{p}/repositories/{r}/artifacts/{ref}`, the repository name URL-encoded twice as
   * Harbor requires (`team/app` → `team%252Fapp`). `undefined` when the artifact does not exist.
   */
  getArtifact(project: string, repository: string, reference: string): Effect.Effect<Artifact | undefined, PushError> {
    const path = `/projects/${encodeURIComponent(project)}/repositories/${encodeURIComponent(encodeURIComponent(repository))}/artifacts/${encodeURIComponent(reference)}`;
    return this.call({ operation: "getArtifact", method: "GET", path, project, repository, accept: [200], idempotent: true }).pipe(
      Effect.map((response) => JSON.parse(response.body.toString("utf8")) as Artifact),
      Effect.catchTag("RegistryError", (error) => (error.status === 404 ? Effect.succeed(undefined) : Effect.fail(error))),
    );
  }

  private json<T>(call: Call): Effect.Effect<T, PushError> {
    return this.call(call).pipe(
      Effect.flatMap((response) => {
        const parsed = this.parse<T>(call.operation, response);
        return parsed instanceof RegistryError ? Effect.fail(parsed) : Effect.succeed(parsed);
      }),
    );
  }

  private parse<T>(operation: HarborOperation, response: HttpResponse): T | RegistryError {
    try {
      return JSON.parse(response.body.toString("utf8")) as T;
    } catch {
      return new RegistryError({
        registry: this.registry,
        status: response.status,
        reason: `${operation}: Harbor answered with something that is not JSON; is ${this.baseUrl} a Harbor?`,
      });
    }
  }

  private context(call: Call): HarborCallContext {
    const credentials = this.options.credentials;
    return {
      registry: this.registry,
      operation: call.operation,
      username: credentials?.username,
      project: call.project,
      repository: call.repository,
      robotPrefix: this.options.robotNamePrefix,
      secrets: credentials ? [Redacted.value(credentials.password)] : [],
    };
  }

  private call(call: Call): Effect.Effect<HttpResponse, PushError> {
    const endpoint = this.endpoint;
    if (endpoint instanceof InvalidReference) return Effect.fail(endpoint);
    const context = this.context(call);
    const headers: Record<string, string> = { accept: "application/json", ...call.headers };
    const credentials = this.options.credentials;
    const body = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body), "utf8");
    if (body !== undefined) headers["content-type"] = "application/json";
    const accept = call.accept;
    const send = (transport: Transport): Effect.Effect<HttpResponse, TransportError | BodySourceError | AuthenticationFailed> => {
      const url = new URL(`${this.baseUrl}${API}${call.path}`);
      for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
      return transport
        .send(
          { method: call.method, url, headers, body: body === undefined ? undefined : { open: () => body }, maxResponseBytes: MAX_BODY_BYTES },
          credentials === undefined ? undefined : basicAuthorization(credentials),
        )
        .pipe(
          Effect.tap(() => Effect.sync(() => void (this.schemes = this.schemes.slice(0, 1)))),
          Effect.catchTag("TransportError", (error) => {
            // Nothing was sent when the TLS handshake met plain http: asking again over http is safe, even for a POST.
            const notTls = url.protocol === "https:" && error.phase === "connect" && error.code !== undefined && NOT_TLS_CODES.has(error.code);
            if (!notTls || this.schemes.length < 2) return Effect.fail(error);
            this.schemes = this.schemes.slice(1);
            return send(transport);
          }),
        );
    };
    const once = this.transport.pipe(
      Effect.flatMap(send),
      // A body held in memory cannot fail to be read.
      Effect.catchTag("BodySourceError", (error) => Effect.die(error)),
      Effect.mapError((error) => (error._tag === "TransportError" ? classifyTransportError(error, context) : error)),
      Effect.flatMap((response) =>
        (accept ? accept.includes(response.status) : response.status >= 200 && response.status < 300)
          ? Effect.succeed(response)
          : Effect.fail(classifyHarborResponse(response, context)),
      ),
    );
    return call.idempotent ? once.pipe(retryTransient(this.options.retry ?? defaultRetrySettings)) : once;
  }
}

/** Runs `self` once and replays its result. */
const once = <A, E>(self: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  let result: Exit.Exit<A, E> | undefined;
  return Effect.suspend(() => (result ? result : self.pipe(Effect.onExit((exit) => Effect.sync(() => void (result = exit))))));
};
