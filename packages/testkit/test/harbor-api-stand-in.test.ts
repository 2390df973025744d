import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HarborApiStandIn, HarborStandInStore, RegistryTokenSigner } from "@skopush/testkit/harbor";

const signer = new RegistryTokenSigner(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
const ADMIN = basic("admin", "Admin:12345");
const CLI = basic("oidc-user", "cli-secret");
const ROBOT = basic("robot$skopush+ci", "Sk:robot$1");

let standIn: HarborApiStandIn;
beforeAll(async () => {
  const store = new HarborStandInStore(
    { authMode: "oidc_auth" },
    {
      users: [
        { username: "admin", password: "Admin:12345", sysadmin: true },
        { username: "oidc-user", password: "cli-secret", oidc: true },
      ],
      projects: [{ name: "skopush", members: { "oidc-user": "developer" } }],
      robots: [{ name: "robot$skopush+ci", secret: "Sk:robot$1", project: "skopush", actions: ["pull", "push"] }],
    },
  );
  standIn = await HarborApiStandIn.start({ store, signer, controlSecret: "control" });
});
afterAll(() => standIn.close());

const call = (method: string, path: string, authorization?: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${standIn.url}${path}`, {
    method,
    headers: { ...(authorization ? { authorization } : {}), ...(body ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

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

  it("refuses a write that sends the sid cookie back: 403 CSRF token invalid", async () => {
    const res = await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "csrf", metadata: { public: "false" } }, { cookie: "sid=abc" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ errors: [{ code: "FORBIDDEN", message: "CSRF token invalid" }] });
    expect((await call("POST", "/api/v2.0/projects", ADMIN, { project_name: "csrf", metadata: { public: "false" } })).status).toBe(201);
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
    expect((await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ permissions: [{ kind: "project", namespace: "nope", access: [] }] }))).status).toBe(404);
    const created = await call("POST", "/api/v2.0/robots", ADMIN, robotBody({ secret: "ignored" }));
    expect(created.status).toBe(201);
    const robot = (await created.json()) as { id: number; name: string; secret: string; expires_at: number };
    expect(robot.name).toBe("robot$skopush+made");
    expect(robot.secret).not.toBe("ignored");
    expect((await call("POST", "/api/v2.0/robots", ADMIN, robotBody())).status).toBe(409);
    expect((await call("DELETE", `/api/v2.0/robots/${robot.id}`, ADMIN)).status).toBe(200);
    expect(standIn.calls.filter((c) => c.robot?.name === "robot$skopush+made").map((c) => `${c.method} ${c.status}`)).toEqual(["POST 201", "DELETE 200"]);
  });

  it("treats an OIDC CLI secret as anonymous outside the calls Harbor accepts it on", async () => {
    expect((await call("HEAD", "/api/v2.0/projects?project_name=skopush", CLI)).status).toBe(200);
    expect((await call("GET", "/api/v2.0/users/current", CLI)).status).toBe(401);
    expect((await call("POST", "/api/v2.0/robots", CLI, robotBody({ name: "cli" }))).status).toBe(401);
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
