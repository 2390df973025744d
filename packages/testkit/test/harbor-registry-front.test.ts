import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displaySize, HarborApiStandIn, HarborStandInStore, overflowMessage, RegistryTokenSigner } from "@skopush/testkit/harbor";

// The rules of the stand-in's `/v2/*` front that need no registry behind it; what does (pushing, the
// quota) is in harbor-registry-front.integration.test.ts.

const signer = new RegistryTokenSigner(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
const ROBOT = basic("robot$skopush+ci", "Sk:robot$1");
const BLOB = "/v2/skopush/app/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000";

let standIn: HarborApiStandIn;
beforeAll(async () => {
  const store = new HarborStandInStore(
    { loginFreezeMs: 0 },
    {
      users: [{ username: "admin", password: "Admin:12345", sysadmin: true }],
      projects: [{ name: "skopush" }],
      robots: [{ name: "robot$skopush+ci", secret: "Sk:robot$1", project: "skopush", actions: ["pull", "push"] }],
    },
  );
  standIn = await HarborApiStandIn.start({ store, signer });
});
afterAll(() => standIn.close());

const send = (method: string, path: string, authorization?: string) =>
  fetch(`${standIn.url}${path}`, { method, headers: authorization ? { authorization } : {} });

/** A registry token from the stand-in's own token service. */
const token = async (authorization: string | undefined, scope: string) => {
  const res = await fetch(`${standIn.url}/service/token?service=harbor-registry&scope=${encodeURIComponent(scope)}`, { headers: authorization ? { authorization } : {} });
  return `Bearer ${((await res.json()) as { token: string }).token}`;
};

const errors = async (res: Response) => (await res.json()) as { errors: Array<{ code: string; message: string }> };

describe("the stand-in's registry front (Harbor's core on /v2/)", () => {
  it("challenges an anonymous GET /v2/ with Bearer, naming its own token service and the harbor-registry service", async () => {
    const res = await send("GET", "/v2/");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="${standIn.url}/service/token",service="harbor-registry"`);
    expect(res.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect((await send("GET", "/v2/", ROBOT)).status).toBe(200);
  });

  it("challenges a repository request without Authorization with the scope it needs", async () => {
    const head = await send("HEAD", BLOB);
    expect(head.status).toBe(401);
    expect(head.headers.get("www-authenticate")).toBe(`Bearer realm="${standIn.url}/service/token",service="harbor-registry",scope="repository:skopush/app:pull"`);
    const post = await send("POST", "/v2/skopush/app/blobs/uploads/");
    expect(post.headers.get("www-authenticate")).toMatch(/,scope="repository:skopush\/app:pull,push"$/);
  });

  // src/server/middleware/v2auth/auth.go: the project lookup fails before any right is checked.
  it("answers a request for a missing project 401 UNAUTHORIZED 'project X not found' with an EMPTY Www-Authenticate", async () => {
    const res = await send("POST", "/v2/no-such-project/app/blobs/uploads/", await token(ROBOT, "repository:no-such-project/app:pull,push"));
    expect(res.status).toBe(401);
    expect(res.headers.has("www-authenticate")).toBe(true);
    expect(res.headers.get("www-authenticate")).toBe("");
    expect(await errors(res)).toEqual({ errors: [{ code: "UNAUTHORIZED", message: "project no-such-project not found: project no-such-project not found" }] });
    expect(standIn.registryCalls.at(-1)).toMatchObject({ method: "POST", status: 401, challenge: "" });
  });

  it("refuses an action the token does not grant with Basic realm=\"harbor\" and Harbor's doubled message", async () => {
    const anonymous = await token(basic("robot$skopush+ci", "wrong"), "repository:skopush/app:pull,push");
    const res = await send("POST", "/v2/skopush/app/blobs/uploads/", anonymous);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="harbor"');
    const message = "unauthorized to access repository: skopush/app, action: push";
    expect(await errors(res)).toEqual({ errors: [{ code: "UNAUTHORIZED", message: `${message}: ${message}` }] });
  });

  it("refuses a repository without a project part with 400 invalid repository name", async () => {
    const res = await send("POST", "/v2/app/blobs/uploads/", ROBOT);
    expect(res.status).toBe(400);
    expect(await errors(res)).toEqual({ errors: [{ code: "BAD_REQUEST", message: "invalid repository name: app" }] });
  });

  // src/server/middleware/security/v2_token.go tokenIssuedAfterProjectCreation (Harbor ≥ 2.13.5).
  it("does not accept a token issued (more than 60 s) before its project was created, nor one for another service", async () => {
    const access = [{ type: "repository", name: "skopush/app", actions: ["pull", "push"] }];
    const sign = (service: string, now?: number) =>
      `Bearer ${signer.sign({ issuer: "harbor-token-issuer", service, subject: "robot$skopush+ci", access, lifetimeSeconds: 3600, now }).token}`;
    expect((await send("POST", "/v2/skopush/app/blobs/uploads/", sign("harbor-registry", Date.now() - 120_000))).headers.get("www-authenticate")).toBe('Basic realm="harbor"');
    expect((await send("POST", "/v2/skopush/app/blobs/uploads/", sign("other-registry"))).status).toBe(401);
    // A valid token passes the checks; no registry is behind this stand-in, so the request fails there.
    expect((await send("POST", "/v2/skopush/app/blobs/uploads/", sign("harbor-registry"))).status).toBe(500);
  });

  it("gives the catalog to system admins only", async () => {
    const res = await send("GET", "/v2/_catalog", ROBOT);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="harbor"');
  });

  it("refuses pushes in read-only mode with 403 DENIED, and still serves reads", async () => {
    standIn.store.readOnly = true;
    try {
      const res = await send("POST", "/v2/skopush/app/blobs/uploads/", ROBOT);
      expect(res.status).toBe(403);
      expect(await errors(res)).toEqual({ errors: [{ code: "DENIED", message: "The system is in read only mode. Any modification is prohibited." }] });
      expect((await send("GET", "/v2/", ROBOT)).status).toBe(200);
    } finally {
      standIn.store.readOnly = false;
    }
  });

  // src/pkg/quota/errors.go and src/pkg/quota/types/format.go.
  it("words a quota overflow exactly as Harbor does", () => {
    const MiB = 1024 * 1024;
    expect(overflowMessage(10 * MiB, 159_802_982, 159_802_982 + 29 * MiB)).toBe(
      "adding 29.0 MiB of storage resource, which when updated to current usage of 152.4 MiB will exceed the configured upper limit of 10.0 MiB.",
    );
    expect([displaySize(0), displaySize(1023), displaySize(1024), displaySize(1280), displaySize(1331), displaySize(5 * 1024 ** 4)]).toEqual([
      "0 B",
      "1023 B",
      "1.0 KiB",
      "1.2 KiB",
      "1.3 KiB",
      "5.0 TiB",
    ]);
  });
});
