import type { LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredentials } from "@skopush/core";
import { HarborClient } from "@skopush/credentials-harbor";
import { ACCOUNTS, outcome, startStandIn } from "./support.js";

/** The site's quota for new projects (Harbor's `storage_per_project`), not Harbor's default (-1). */
const SITE_QUOTA = 10 * 1024 * 1024;

let env: Awaited<ReturnType<typeof startStandIn>>;
beforeAll(async () => {
  env = await startStandIn({ storagePerProject: SITE_QUOTA });
});
afterAll(() => env.close());

const client = (account?: { username: string; password: string }) =>
  new HarborClient({
    url: env.standIn.url,
    credentials: account && makeCredentials(account.username, account.password),
    retry: { times: 0, baseDelayMs: 1, maxDelayMs: 1 },
  });

describe("HarborClient against the HarborApiStandIn", () => {
  it("pings without credentials, accepting the text/plain that /ping produces", async () => {
    expect(await outcome(client().ping())).toBeUndefined();
    expect(env.standIn.calls.at(-1)).toMatchObject({ path: "/api/v2.0/ping", status: 200 });
  });

  it("reads systeminfo: auth_mode anonymously, the version when authenticated", async () => {
    expect(await outcome(client().systemInfo())).toEqual({ auth_mode: "db_auth", self_registration: false });
    expect(await outcome(client(ACCOUNTS.developer).systemInfo())).toMatchObject({ auth_mode: "db_auth", harbor_version: expect.any(String) });
  });

  it("reads the current user, and says a robot is a robot (412)", async () => {
    expect(await outcome(client(ACCOUNTS.developer).currentUser())).toMatchObject({ username: "dev" });
    expect(await outcome(client(ACCOUNTS.robot).currentUser())).toMatchObject({ _tag: "CredentialsError", message: expect.stringMatching(/robot account/) });
  });

  it("checks that a project exists with HEAD /projects?project_name=", async () => {
    expect(await outcome(client(ACCOUNTS.robot).projectExists("skopush"))).toBe(true);
    expect(await outcome(client(ACCOUNTS.robot).projectExists("no-such-project"))).toBe(false);
    expect(await outcome(client().projectExists("skopush"))).toMatchObject({ _tag: "AuthenticationFailed" });
    const heads = env.standIn.calls.filter((c) => c.method === "HEAD");
    expect(heads.at(-2)?.path).toBe("/api/v2.0/projects?project_name=no-such-project");
  });

  it("creates a private project once, then finds it (the project list, then POST)", async () => {
    const before = env.standIn.calls.length;
    expect(await outcome(client(ACCOUNTS.developer).ensureProject("created-by-client"))).toBe("created");
    expect(await outcome(client(ACCOUNTS.developer).ensureProject("created-by-client"))).toBe("existed");
    expect(env.standIn.calls.slice(before).map((c) => `${c.method} ${c.status}`)).toEqual(["GET 200", "POST 201", "GET 200"]);
    expect(env.store.projects.get("created-by-client")).toMatchObject({ public: false });
  });

  it("leaves the quota of a project it creates to the site, even as a system admin (no storage_limit)", async () => {
    expect(await outcome(client(ACCOUNTS.admin).ensureProject("admin-made"))).toBe("created");
    expect(env.store.projects.get("admin-made")?.storageLimit).toBe(SITE_QUOTA);
  });

  it("counts a 409 for a project the account cannot see as existing", async () => {
    env.store.seed({ projects: [{ name: "someone-elses" }] });
    expect(await outcome(client(ACCOUNTS.developer).findProject("someone-elses"))).toBeUndefined();
    expect(await outcome(client(ACCOUNTS.developer).ensureProject("someone-elses"))).toBe("existed");
  });

  it("finds a project by its exact name in the fuzzy, paged project list", async () => {
    // 150 projects whose names contain "needle" and sort before it: the exact one is on the second page.
    env.store.seed({ projects: Array.from({ length: 150 }, (_, i) => ({ name: `a-needle-${i}`, public: true })) });
    env.store.seed({ projects: [{ name: "needle", members: { dev: "developer" } }] });
    const before = env.standIn.calls.length;
    expect(await outcome(client(ACCOUNTS.developer).findProject("needle"))).toMatchObject({ name: "needle", project_id: env.store.projects.get("needle")?.id });
    expect(env.standIn.calls.slice(before).map((c) => c.path)).toEqual([
      "/api/v2.0/projects?name=needle&page=1&page_size=100",
      "/api/v2.0/projects?name=needle&page=2&page_size=100",
    ]);
    expect(await outcome(client(ACCOUNTS.developer).findProject("needl"))).toBeUndefined();
  });

  it("finds the projects each kind of account may see: a member's, a robot's own, all for a system admin", async () => {
    expect(await outcome(client(ACCOUNTS.robot).findProject("skopush"))).toMatchObject({ name: "skopush" });
    expect(await outcome(client(ACCOUNTS.admin).findProject("skopush"))).toMatchObject({ name: "skopush" });
    expect(await outcome(client(ACCOUNTS.developer).findProject("skopush"))).toMatchObject({ name: "skopush" });
    expect(await outcome(client(ACCOUNTS.developer).findProject("no-such-project"))).toBeUndefined();
  });

  it("refuses to create a project for a robot (403 → AccessDenied) and for a bad name (400)", async () => {
    expect(await outcome(client(ACCOUNTS.robot).ensureProject("robot-made"))).toMatchObject({ _tag: "AccessDenied" });
    expect(await outcome(client(ACCOUNTS.developer).ensureProject("Bad_Name"))).toMatchObject({ _tag: "RegistryError", status: 400 });
  });

  it("creates a robot with pull, push and artifact read, using Harbor's name and secret, and deletes it", async () => {
    const robot = await outcome(client(ACCOUNTS.projectAdmin).createRobot({ project: "skopush", name: "client-test", durationDays: 1 }));
    if ("_tag" in robot) throw robot;
    expect(robot.name).toBe("robot$skopush+client-test");
    const stored = env.store.robotNamed(robot.name);
    expect(stored?.access).toEqual([
      { resource: "repository", action: "pull" },
      { resource: "repository", action: "push" },
      { resource: "artifact", action: "read" },
    ]);
    expect(String(robot.secret)).not.toContain(stored?.secret);
    expect(await outcome(client(ACCOUNTS.projectAdmin).deleteRobot(robot.id))).toBeUndefined();
    expect(env.store.robots.has(robot.id)).toBe(false);
    // Deleting a robot that is already gone is not an error.
    expect(await outcome(client(ACCOUNTS.projectAdmin).deleteRobot(robot.id))).toBeUndefined();
  });

  it("maps robot creation failures: 403 for a developer, 404 for a missing project, 409 for a duplicate", async () => {
    expect(await outcome(client(ACCOUNTS.developer).createRobot({ project: "skopush", name: "x", durationDays: 1 }))).toMatchObject({ _tag: "AccessDenied" });
    expect(await outcome(client(ACCOUNTS.admin).createRobot({ project: "no-such-project", name: "x", durationDays: 1 }))).toMatchObject({
      _tag: "ProjectNotFound",
      project: "no-such-project",
    });
    expect(await outcome(client(ACCOUNTS.admin).createRobot({ project: "skopush", name: "dup", durationDays: 1 }))).toMatchObject({ name: "robot$skopush+dup" });
    expect(await outcome(client(ACCOUNTS.admin).createRobot({ project: "skopush", name: "dup", durationDays: 1 }))).toMatchObject({ _tag: "RegistryError", status: 409 });
  });

  it("never sends a cookie, though the stand-in sets one on every answer", async () => {
    await outcome(client(ACCOUNTS.developer).ensureProject("cookie-check"));
    expect(env.standIn.calls.some((c) => c.cookie)).toBe(false);
  });

  it("encodes the repository name twice for artifacts", async () => {
    const exit = await outcome(client(ACCOUNTS.developer).getArtifact("skopush", "team/app", "v1"));
    const call = env.standIn.calls.at(-1);
    expect(call?.path).toBe("/api/v2.0/projects/skopush/repositories/team%252Fapp/artifacts/v1");
    // No registry is connected to this stand-in: a 500 UNKNOWN, as Harbor says when its backend fails.
    expect(exit).toMatchObject({ _tag: "RegistryError", status: 500 });
  });

  it("fails with a typed error for an invalid URL, before any request", async () => {
    expect(await outcome(new HarborClient({ url: "ftp://harbor.example.com" }).ping())).toMatchObject({ _tag: "InvalidReference", part: "registry" });
  });

  it("says the registry is unreachable when nothing listens", async () => {
    const closed = new HarborClient({ url: "http://127.0.0.1:9", retry: { times: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(await outcome(closed.ping())).toMatchObject({ _tag: "RegistryUnreachable" });
  });

  describe("a Harbor that serves plain http, spoken to over https first (the registry client's scheme rule)", () => {
    // A name the scheme rule takes for a host elsewhere; the transport's lookup seam sends it to 127.0.0.1.
    const toLoopback: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
      else callback(null, "127.0.0.1", 4);
    };
    const port = () => new URL(env.standIn.url).port;
    const NO_RETRY = { times: 0, baseDelayMs: 1, maxDelayMs: 1 };

    it("on 127.0.0.1, falls back to plain http without a flag, credentials included, for every call after the first", async () => {
      const bare = new HarborClient({ url: `127.0.0.1:${port()}`, credentials: makeCredentials(ACCOUNTS.developer.username, ACCOUNTS.developer.password), retry: NO_RETRY });
      const before = env.standIn.calls.length;
      expect(await outcome(bare.ensureProject("over-plain-http"))).toBe("created");
      expect(env.store.projects.get("over-plain-http")).toMatchObject({ public: false });
      expect(env.standIn.calls.slice(before).map((c) => `${c.method} ${c.status} ${c.username}`)).toEqual(["GET 200 dev", "POST 201 dev"]);
      expect(bare.baseUrl).toBe(`http://127.0.0.1:${port()}`);
    });

    it("elsewhere, refuses plain http without --insecure, saying so (nothing reaches the API)", async () => {
      const before = env.standIn.calls.length;
      const remote = new HarborClient({ url: `harbor.example.test:${port()}`, retry: NO_RETRY, transport: { lookup: toLoopback } });
      expect(await outcome(remote.ping())).toMatchObject({ _tag: "RegistryUnreachable", message: expect.stringMatching(/plain http.*--insecure/) });
      expect(env.standIn.calls.length).toBe(before);
    });

    it("elsewhere, with insecure, falls back to plain http as a push with --insecure does", async () => {
      const remote = new HarborClient({
        url: `https://harbor.example.test:${port()}`,
        credentials: makeCredentials(ACCOUNTS.developer.username, ACCOUNTS.developer.password),
        tls: { insecure: true },
        retry: NO_RETRY,
        transport: { lookup: toLoopback },
      });
      expect(await outcome(remote.currentUser())).toMatchObject({ username: "dev" });
      expect(env.standIn.calls.at(-1)).toMatchObject({ path: "/api/v2.0/users/current", username: "dev", status: 200 });
    });
  });

  it("reports a missing CA file as a CredentialsError naming it", async () => {
    const withCa = new HarborClient({ url: "https://harbor.example.com", tls: { caFile: "/nonexistent/ca.crt" } });
    expect(await outcome(withCa.ping())).toMatchObject({ _tag: "CredentialsError", source: "/nonexistent/ca.crt" });
  });
});
