import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliSecretAccepted, HarborApiStandIn, HarborStandInStore, RegistryTokenSigner } from "@skopush/testkit/harbor";

const signer = new RegistryTokenSigner(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
const ADMIN = basic("admin", "Admin:12345");
const CLI = basic("oidc-user", "cli-secret");
const ROBOT = basic("robot$skopush+ci", "Sk:robot$1");
const MAKER = basic("robot$skopush+maker", "Maker123");

let standIn: HarborApiStandIn;
beforeAll(async () => {
  const store = new HarborStandInStore(
    { authMode: "oidc_auth" },
    {
      users: [
        { username: "admin", password: "Admin:12345", sysadmin: true },
        { username: "oidc-user", password: "cli-secret", oidc: true },
        { username: "oidc-outsider", password: "outsider-secret", oidc: true },
      ],
      projects: [{ name: "skopush", members: { "oidc-user": "projectAdmin" } }, { name: "elsewhere" }],
      robots: [
        { name: "robot$skopush+ci", secret: "Sk:robot$1", project: "skopush", actions: ["pull", "push"] },
        // Harbor ≥ 2.12: a robot may create robots no broader than itself.
        { name: "robot$skopush+maker", secret: "Maker123", project: "skopush", actions: ["pull", "push"], access: [{ resource: "robot", action: "create" }] },
      ],
    },
  );
  standIn = await HarborApiStandIn.start({ store, signer, controlSecret: "control" });
});
afterAll(() => standIn.close());

const call = (method: string, path: string, authorization?: string, body?: unknown, headers: Record<string, string> = {}, on = () => standIn) =>
  fetch(`${on().url}${path}`, {
    method,
    headers: { ...(authorization ? { authorization } : {}), ...(body ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Another stand-in, with its own settings and seed. */
const standInWith = (settings: ConstructorParameters<typeof HarborStandInStore>[0], seed: ConstructorParameters<typeof HarborStandInStore>[1] = { users: [{ username: "admin", password: "Admin:12345", sysadmin: true }] }) =>
  HarborApiStandIn.start({ store: new HarborStandInStore(settings, seed), signer });

const robotBody = (overrides: Record<string, unknown> = {}) => ({
  name: "made",
  level: "project",
  duration: 1,
  permissions: [{ kind: "project", namespace: "skopush", access: [{ resource: "repository", action: "pull" }, { resource: "repository", action: "push" }] }],
  ...overrides,
});

describe("HarborApiStandIn", () => {
  it("answers ping with Pong, an X-Request-Id and a sid cookie", async () => {
    const res = await call("GET", "/api/v2.0/ping");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Pong");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("set-cookie")).toMatch(/^sid=/);
  });

  // api/v2.0/swagger.yaml: /ping produces only text/plain; go-openapi's negotiation fails anything else.
  it("negotiates content as go-openapi does: /ping is text/plain only, the rest JSON only (422 otherwise)", async () => {
    const ping = (accept: string) => call("GET", "/api/v2.0/ping", undefined, undefined, { accept });
    const refused = await ping("application/json");
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({
      errors: [{ code: "UNPROCESSABLE_ENTITY", message: "validation failure list:\nunsupported media type requested, only [text/plain] are available" }],
    });
    for (const accept of ["text/plain", "*/*", "text/*", "application/json, text/plain;q=0.5"]) expect((await ping(accept)).status, accept).toBe(200);
    expect((await ping("text/plain;q=0")).status).toBe(422);
    expect((await call("GET", "/api/v2.0/systeminfo", undefined, undefined, { accept: "text/plain" })).status).toBe(422);
  });

  it("refuses a write that sends the sid cookie back: 403 CSRF token invalid", async () => {
    const res = await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "csrf", metadata: { public: "false" } }, { cookie: "sid=abc" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ errors: [{ code: "FORBIDDEN", message: "CSRF token invalid" }] });
    expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "csrf", metadata: { public: "false" } })).status).toBe(201);
  });

  // src/server/v2.0/handler/project.go CreateProject: storage_limit counts for system admins only.
  it("honours storage_limit from a system admin only; others get the site's storage_per_project", async () => {
    expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "limited", storage_limit: 1024 })).status).toBe(201);
    expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "unlimited", storage_limit: -1 })).status).toBe(201);
    expect((await call("POST", "/api/v2.0/projects", CLI, { project_name: "asked-for-more", storage_limit: 1024 })).status).toBe(201);
    expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "default-quota" })).status).toBe(201);
    const limit = (name: string) => standIn.store.projects.get(name)?.storageLimit;
    expect([limit("limited"), limit("unlimited"), limit("asked-for-more"), limit("default-quota")]).toEqual([1024, -1, -1, -1]);
    const site = await standInWith({ storagePerProject: 5000 });
    try {
      expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "site", storage_limit: -1 }, {}, () => site)).status).toBe(201);
      expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "site-default" }, {}, () => site)).status).toBe(201);
      expect([site.store.projects.get("site")?.storageLimit, site.store.projects.get("site-default")?.storageLimit]).toEqual([-1, 5000]);
    } finally {
      await site.close();
    }
  });

  it("answers project creation with 201 and a Location, 409 when it exists, 400 for a bad name", async () => {
    const created = await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "made-here", metadata: { public: "false" }, storage_limit: -1 });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toMatch(/^\/api\/v2\.0\/projects\/\d+$/);
    expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "made-here" })).status).toBe(409);
    expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "Made_Here" })).status).toBe(400);
  });

  it("validates robots as Harbor ≥ 2.11 does", async () => {
    expect((await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ duration: 0 }))).status).toBe(400);
    expect((await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ name: "Bad Name" }))).status).toBe(400);
    const badPermission = await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ permissions: [{ kind: "project", namespace: "skopush", access: [{ resource: "repository", action: "fly" }] }] }));
    expect(await badPermission.json()).toEqual({ errors: [{ code: "BAD_REQUEST", message: "bad request permission: repository:fly" }] });
    expect((await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ permissions: [{ kind: "project", namespace: "skopush", access: [] }] }))).status).toBe(400);
    const created = await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ secret: "ignored" }));
    expect(created.status).toBe(201);
    const robot = (await created.json()) as { id: number; name: string; secret: string; expires_at: number };
    expect(robot.name).toBe("robot$skopush+made");
    expect(robot.secret).not.toBe("ignored");
    expect((await call("POST", "/api/v2.0/robots", ADMIN, robotBody())).status).toBe(409);
    expect((await call("DELETE", `/api/v2.0/robots/${robot.id}`, ADMIN)).status).toBe(200);
    expect(standIn.calls.filter((c) => c.robot?.name === "robot$skopush+made").map((c) => `${c.method} ${c.status}`)).toEqual(["POST 201", "DELETE 200"]);
  });

  it("accepts every permission a project robot may have, and nothing else", async () => {
    const allowed = ["repository:delete", "artifact:list", "tag:create", "robot:create", "project:read", "member:list", "quota:read", "sbom:create"];
    const access = allowed.map((p) => ({ resource: p.split(":")[0], action: p.split(":")[1] }));
    expect((await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ name: "broad", permissions: [{ kind: "project", namespace: "skopush", access }] }))).status).toBe(201);
    // System-scope permissions are not a project robot's.
    for (const [resource, action] of [["project", "create"], ["user", "list"], ["repository", "scanner-pull"]]) {
      const res = await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ name: "narrow", permissions: [{ kind: "project", namespace: "skopush", access: [{ resource, action }] }] }));
      expect(await res.json()).toEqual({ errors: [{ code: "BAD_REQUEST", message: `bad request permission: ${resource}:${action}` }] });
    }
  });

  // src/server/v2.0/handler/robot.go and base.go RequireProjectAccess: the right is checked before the project is looked up.
  it("refuses robot creation in a missing project with 403, except to a system admin (404)", async () => {
    const missing = robotBody({ permissions: [{ kind: "project", namespace: "nope", access: [{ resource: "repository", action: "pull" }] }] });
    expect((await call("POST", "/api/v2.0/robots", ADMIN, missing)).status).toBe(404);
    expect((await call("POST", "/api/v2.0/robots", MAKER, missing)).status).toBe(403);
    expect((await call("POST", "/api/v2.0/robots", ROBOT, missing)).status).toBe(403);
    expect((await call("POST", "/api/v2.0/robots", undefined, missing)).status).toBe(401);
  });

  it("lets a robot with robot:create create a narrower robot in its project, not a broader one (Harbor ≥ 2.12)", async () => {
    const pull = [{ resource: "repository", action: "pull" }];
    const made = await call("POST", "/api/v2.0/robots", MAKER, robotBody({ name: "child", permissions: [{ kind: "project", namespace: "skopush", access: pull }] }));
    expect(made.status).toBe(201);
    const broader = await call("POST", "/api/v2.0/robots", MAKER, robotBody({ name: "wider", permissions: [{ kind: "project", namespace: "skopush", access: [...pull, { resource: "repository", action: "delete" }] }] }));
    expect(broader.status).toBe(403);
    expect(await broader.json()).toEqual({
      errors: [{ code: "DENIED", message: "permission scope is invalid. It must be equal to or more restrictive than the creator robot's permissions: robot$skopush+maker" }],
    });
    expect((await call("POST", "/api/v2.0/robots", MAKER, robotBody({ name: "away", permissions: [{ kind: "project", namespace: "elsewhere", access: pull }] }))).status).toBe(403);
    // Without robot:create a robot may create none.
    expect((await call("POST", "/api/v2.0/robots", ROBOT, robotBody({ name: "nope", permissions: [{ kind: "project", namespace: "skopush", access: pull }] }))).status).toBe(403);
  });

  // src/server/middleware/security/oidc_cli.go
  it("accepts an OIDC CLI secret only on the calls oidc_cli.go lists, and treats it as anonymous elsewhere", async () => {
    const before = standIn.calls.length;
    expect((await call("HEAD", "/api/v2.0/projects?project_name=skopush", CLI)).status).toBe(401);
    expect((await call("GET", "/api/v2.0/projects/skopush", CLI)).status).toBe(401);
    expect((await call("GET", "/api/v2.0/users/current", CLI)).status).toBe(401);
    expect((await call("POST", "/api/v2.0/robots", CLI, robotBody({ name: "cli" }))).status).toBe(401);
    const listed = await call("GET", "/api/v2.0/projects?name=skopush", CLI);
    expect(((await listed.json()) as Array<{ name: string }>).map((p) => p.name)).toEqual(["skopush"]);
    expect(await (await call("GET", "/api/v2.0/systeminfo", CLI)).json()).toHaveProperty("harbor_version");
    expect((await call("POST", "/api/v2.0/projects", CLI, { project_name: "cli-made" })).status).toBe(201);
    expect((await call("GET", "/service/token?service=harbor-registry", CLI)).status).toBe(200);
    expect(standIn.calls.slice(before).map((c) => c.principal)).toEqual([undefined, undefined, undefined, undefined, "oidc-user", "oidc-user", "oidc-user"]);
    expect(standIn.tokenRequests.at(-1)).toMatchObject({ username: "oidc-user", authenticated: true });
  });

  it("lists exactly oidc_cli.go's paths for CLI secrets", () => {
    const yes: Array<[string, string]> = [
      ["GET", "/service/token"], ["HEAD", "/v2/skopush/app/blobs/sha256:0"], ["PUT", "/v2/skopush/app/manifests/v1"], ["POST", "/api/v2.0/projects"],
      ["GET", "/api/v2.0/projects"], ["GET", "/api/v2.0/projects/"], ["GET", "/api/v2.0/systeminfo"], ["GET", "/api/version"], ["GET", "/api/v2.0/labels"],
      ["GET", "/api/v2.0/projects/p/repositories"], ["GET", "/api/v2.0/projects/p/repositories/team/app/artifacts"],
      ["DELETE", "/api/v2.0/projects/p/repositories/app/artifacts/v1/tags/v1"],
    ];
    const no: Array<[string, string]> = [
      ["HEAD", "/api/v2.0/projects"], ["GET", "/api/v2.0/projects/skopush"], ["GET", "/api/v2.0/projects/p/repositories/app/artifacts/v1"],
      ["GET", "/api/v2.0/users/current"], ["POST", "/api/v2.0/robots"], ["DELETE", "/api/v2.0/robots/1"], ["GET", "/api/v2.0/ping"],
      ["DELETE", "/api/v2.0/projects/p/repositories/app/artifacts/v1"],
    ];
    for (const [method, path] of yes) expect(cliSecretAccepted(method, path), `${method} ${path}`).toBe(true);
    for (const [method, path] of no) expect(cliSecretAccepted(method, path), `${method} ${path}`).toBe(false);
  });

  // src/server/v2.0/handler/project.go GetProject: RequireProjectAccess(read) before the lookup.
  it("answers GET /projects/{name} only to those who may read the project", async () => {
    // The CI robot has no project:read; the maker robot's project is skopush, not elsewhere.
    expect((await call("GET", "/api/v2.0/projects/skopush", ROBOT)).status).toBe(403);
    expect((await call("GET", "/api/v2.0/projects/elsewhere", MAKER)).status).toBe(403);
    expect((await call("GET", "/api/v2.0/projects/elsewhere")).status).toBe(401);
    expect((await call("GET", "/api/v2.0/projects/nope", ROBOT)).status).toBe(403);
    expect((await call("GET", "/api/v2.0/projects/nope", ADMIN)).status).toBe(404);
    const read = await call("GET", "/api/v2.0/projects/skopush", ADMIN, undefined, { "x-is-resource-name": "true" });
    const project = (await read.json()) as { name: string; project_id: number; metadata: unknown };
    expect(project).toMatchObject({ name: "skopush", metadata: { public: "false" } });
    expect(await (await call("GET", `/api/v2.0/projects/${project.project_id}`, ADMIN)).json()).toMatchObject({ name: "skopush" });
  });

  it("lists projects: a fuzzy name match, only those the account may see, paged", async () => {
    const names = async (authorization: string | undefined, query: string) =>
      ((await (await call("GET", `/api/v2.0/projects?${query}`, authorization)).json()) as Array<{ name: string }>).map((p) => p.name);
    expect(await names(ADMIN, "name=sko")).toEqual(["skopush"]);
    expect(await names(ADMIN, "name=e")).toEqual(expect.arrayContaining(["elsewhere"]));
    expect(await names(ROBOT, "name=e")).toEqual([]);
    expect(await names(undefined, "name=skopush")).toEqual([]);
    expect(await names(basic("oidc-outsider", "outsider-secret"), "name=skopush")).toEqual([]);
    const paged = await call("GET", "/api/v2.0/projects?page=1&page_size=1", ADMIN);
    expect(paged.headers.get("x-total-count")).toBe(String(standIn.store.projects.size));
    expect(paged.headers.get("link")).toMatch(/page=2&page_size=1>; rel="next"/);
    expect((await call("GET", "/api/v2.0/projects?page_size=101", ADMIN)).status).toBe(422);
  });

  // src/core/auth/authenticator.go: a failed password login locks the username for 1.5 s.
  it("locks a username for 1.5 s after a failed password login: its right password is anonymous meanwhile", async () => {
    const db = await standInWith({}, { users: [{ username: "dev", password: "Right:pw1" }], robots: [{ name: "robot$skopush+ci", secret: "Sk:robot$1", project: "skopush", actions: ["pull"] }], projects: [{ name: "skopush" }] });
    try {
      const me = (password: string) => call("GET", "/api/v2.0/users/current", basic("dev", password), undefined, {}, () => db);
      expect((await me("Right:pw1")).status).toBe(200);
      const failing = db.store.passwordLogin("dev", "wrong");
      expect((await me("Right:pw1")).status).toBe(401);
      expect((await call("GET", "/service/token?service=harbor-registry", basic("dev", "Right:pw1"), undefined, {}, () => db)).status).toBe(401);
      expect(await failing).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await me("Right:pw1")).status).toBe(200);
      // Robots are recognised before the password login, so a wrong secret does not lock the right one out.
      void db.store.passwordLogin("robot$skopush+ci", "wrong");
      expect((await call("GET", "/service/token?service=harbor-registry", basic("robot$skopush+ci", "Sk:robot$1"), undefined, {}, () => db)).status).toBe(200);
    } finally {
      await db.close();
    }
  });

  it("answers writes with 403 DENIED in read-only mode", async () => {
    standIn.store.readOnly = true;
    try {
      const res = await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "read-only" });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ errors: [{ code: "DENIED", message: "The system is in read only mode. Any modification is prohibited." }] });
      expect((await call("GET", "/api/v2.0/systeminfo", ADMIN)).status).toBe(200);
    } finally {
      standIn.store.readOnly = false;
    }
  });

  it("answers 412 PRECONDITION when a robot asks for /users/current", async () => {
    const res = await call("GET", "/api/v2.0/users/current", ROBOT);
    expect(res.status).toBe(412);
    expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe("PRECONDITION");
  });

  it("routes a repository name encoded twice, and not one encoded once", async () => {
    expect((await call("GET", "/api/v2.0/projects/skopush/repositories/team%2Fapp/artifacts/v1", ADMIN)).status).toBe(404);
    // Encoded twice it routes; no registry is connected here, so the backend fails as Harbor's would.
    expect((await call("GET", "/api/v2.0/projects/skopush/repositories/team%252Fapp/artifacts/v1", ADMIN)).status).toBe(500);
  });

  it("serves the token service on the same host", async () => {
    const res = await call("GET", "/service/token?service=harbor-registry", ROBOT);
    expect(res.status).toBe(200);
    expect(standIn.tokenRequests.at(-1)).toMatchObject({ username: "robot$skopush+ci", authenticated: true });
  });

  it("guards its control calls with the control secret", async () => {
    expect((await call("GET", "/_stand-in/calls")).status).toBe(403);
    const res = await call("GET", "/_stand-in/calls", undefined, undefined, { "x-stand-in-control": "control" });
    expect(res.status).toBe(200);
    const calls = (await res.json()) as unknown[];
    expect(calls.length).toBe(standIn.calls.length);
    expect(JSON.stringify(calls)).not.toContain("Admin:12345");
  });
});
