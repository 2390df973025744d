import { generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decodeJwt,
  handleTokenRequest,
  HarborStandInStore,
  libtrustKeyId,
  parseScope,
  RegistryTokenSigner,
} from "@skopush/testkit/harbor";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signer = new RegistryTokenSigner(privateKey);
const ROBOT = { name: "robot$skopush+ci", secret: "Sk:robot$se:cret" };

const store = new HarborStandInStore(
  // No freeze after a failed login here: the lock has its own test (harbor-api-stand-in.test.ts).
  { loginFreezeMs: 0 },
  {
    users: [
      { username: "admin", password: "Admin12345", sysadmin: true },
      { username: "dev", password: "dev:pa$s" },
      { username: "puller", password: "pull-only" },
      { username: "keeper", password: "keeper:pw" },
    ],
    projects: [
      { name: "skopush", members: { dev: "developer", puller: "guest", keeper: "maintainer" } },
      { name: "open", public: true },
    ],
    robots: [
      { name: ROBOT.name, secret: ROBOT.secret, project: "skopush", actions: ["pull", "push"] },
      { name: "robot$skopush+pusher", secret: "Pusher12", project: "skopush", actions: ["push"] },
      { name: "robot$pushonly", secret: "PushOnly1", project: "skopush", actions: ["push"], level: "system" },
      { name: "robot$skopush+expired", secret: "Expired1", project: "skopush", actions: ["pull", "push"], expiresAt: 1 },
      { name: "robot$skopush+disabled", secret: "Disabled1", project: "skopush", actions: ["pull", "push"], disabled: true },
    ],
  },
);

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

const ask = (query: string, authorization?: string, method = "GET") =>
  handleTokenRequest(store, { signer }, { method, url: new URL(`http://stand-in/service/token?${query}`), authorization });

type Claims = { sub: string; access: Array<{ type: string; name: string; actions: string[] }> };
const granted = async (query: string, authorization?: string): Promise<Claims> => {
  const { response } = await ask(query, authorization);
  expect(response.status).toBe(200);
  const body = JSON.parse(response.body) as { token: string };
  return decodeJwt(body.token).claims as Claims;
};
/** The token's access with each action list sorted: Harbor's order is random. */
const sortedAccess = (claims: Claims) => claims.access.map((a) => ({ ...a, actions: [...a.actions].sort() }));

const SCOPE = "scope=repository%3Askopush%2Fapp%3Apull%2Cpush";

describe("stand-in token service (Harbor's /service/token)", () => {
  it("answers 405 to anything but GET, e.g. the OAuth2 POST", async () => {
    expect((await ask(`service=harbor-registry&${SCOPE}`, basic(ROBOT.name, ROBOT.secret), "POST")).response.status).toBe(405);
  });

  it("answers 400 'Unable to handle service' to another service", async () => {
    const { response } = await ask(`service=docker-registry&${SCOPE}`, basic(ROBOT.name, ROBOT.secret));
    expect(response).toMatchObject({ status: 400, body: "Unable to handle service: docker-registry" });
  });

  it.each([
    ["no credentials", undefined],
    ["a wrong password", basic(ROBOT.name, "wrong")],
    ["an unknown user", basic("nobody", "x")],
    ["an expired robot", basic("robot$skopush+expired", "Expired1")],
    ["a disabled robot", basic("robot$skopush+disabled", "Disabled1")],
    ["a malformed header", "Basic !!!"],
  ])("answers 401 with an empty body without scope and with %s", async (_what, authorization) => {
    const { response, record } = await ask("service=harbor-registry", authorization);
    expect(response).toMatchObject({ status: 401, body: "" });
    expect(record.authenticated).toBe(false);
  });

  it("answers 200 with a token without access to good credentials without scope", async () => {
    expect(await granted("service=harbor-registry", basic(ROBOT.name, ROBOT.secret))).toMatchObject({ sub: ROBOT.name, access: [] });
  });

  it("splits Basic credentials on the first ':' (the secret holds ':' and '$')", async () => {
    expect(sortedAccess(await granted(`service=harbor-registry&${SCOPE}`, basic(ROBOT.name, ROBOT.secret)))).toEqual([
      { type: "repository", name: "skopush/app", actions: ["pull", "push"] },
    ]);
  });

  it("answers bad credentials WITH a scope with 200 and an anonymous token without actions", async () => {
    expect(await granted(`service=harbor-registry&${SCOPE}`, basic(ROBOT.name, "wrong"))).toEqual(
      expect.objectContaining({ sub: "", access: [{ type: "repository", name: "skopush/app", actions: [] }] }),
    );
  });

  it("grants anonymous pull on a public project", async () => {
    expect((await granted("service=harbor-registry&scope=repository:open/app:pull,push")).access[0]?.actions).toEqual(["pull"]);
  });

  it("grants nothing on a project that does not exist, not even to a system admin", async () => {
    expect((await granted("service=harbor-registry&scope=repository:no-such-project/app:pull,push", basic("admin", "Admin12345"))).access[0]?.actions).toEqual([]);
  });

  // src/core/service/token/creator.go: the scope's actions are replaced by what the account may do.
  it("grants every action the account may do, whatever the scope asked for", async () => {
    const actions = async (scope: string, user: string, password: string) => sortedAccess(await granted(`service=harbor-registry&scope=${scope}`, basic(user, password)))[0]?.actions;
    expect(await actions("repository:skopush/app:pull,push", "puller", "pull-only")).toEqual(["pull"]);
    expect(await actions("repository:skopush/app:pull", "dev", "dev:pa$s")).toEqual(["pull", "push"]);
    expect(await actions("repository:skopush/app:pull", "keeper", "keeper:pw")).toEqual(["delete", "pull", "push"]);
    expect(await actions("repository:skopush/app:pull", "admin", "Admin12345")).toEqual(["delete", "pull", "push", "scanner-pull"]);
    expect(await actions("repository:skopush/app:delete", ROBOT.name, ROBOT.secret)).toEqual(["pull", "push"]);
  });

  it("gives a project robot's push pull too, and a system robot's not (goharbor/harbor#13973)", async () => {
    const actions = async (user: string, password: string) => sortedAccess(await granted(`service=harbor-registry&${SCOPE}`, basic(user, password)))[0]?.actions;
    expect(await actions("robot$skopush+pusher", "Pusher12")).toEqual(["pull", "push"]);
    expect(await actions("robot$pushonly", "PushOnly1")).toEqual(["push"]);
  });

  it("grants the actions in no fixed order, as Harbor's Go map gives them", async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 40; i++) orders.add((await granted(`service=harbor-registry&${SCOPE}`, basic("admin", "Admin12345"))).access[0]!.actions.join(","));
    expect(orders.size).toBeGreaterThan(1);
  });

  it("reads repeated scopes and space-separated scopes, names with host:port included", async () => {
    const claims = await granted(
      `service=harbor-registry&scope=${encodeURIComponent("repository:skopush/app:pull,push repository:skopush/base:pull")}&scope=repository:127.0.0.1:5000/x:pull`,
      basic(ROBOT.name, ROBOT.secret),
    );
    expect(sortedAccess(claims)).toEqual([
      { type: "repository", name: "skopush/app", actions: ["pull", "push"] },
      { type: "repository", name: "skopush/base", actions: ["pull", "push"] },
      { type: "repository", name: "127.0.0.1:5000/x", actions: [] },
    ]);
  });

  it("keeps a scope it cannot read, granting nothing for it", async () => {
    expect((await granted("service=harbor-registry&scope=repository:app:pull&scope=bogus", basic(ROBOT.name, ROBOT.secret))).access).toEqual([
      { type: "repository", name: "app", actions: [] },
      { type: "bogus", name: "", actions: [] },
    ]);
  });

  it("ignores account, client_id and offline_token", async () => {
    const claims = await granted(`service=harbor-registry&account=robot%24skopush%2Bci&client_id=x&offline_token=true&${SCOPE}`, basic(ROBOT.name, ROBOT.secret));
    expect(sortedAccess(claims)[0]?.actions).toEqual(["pull", "push"]);
  });

  it("gives the catalog, with the actions asked for, only to system admins", async () => {
    expect((await granted("service=harbor-registry&scope=registry:catalog:*", basic("admin", "Admin12345"))).access[0]?.actions).toEqual(["*"]);
    expect((await granted("service=harbor-registry&scope=registry:catalog:*", basic("dev", "dev:pa$s"))).access[0]?.actions).toEqual([]);
  });

  it("answers Harbor's body: token, access_token \"\", expires_in and issued_at", async () => {
    const { response } = await ask(`service=harbor-registry&${SCOPE}`, basic(ROBOT.name, ROBOT.secret));
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(response.headers["content-type"]).toBe("application/json");
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "issued_at", "token"]);
    expect(body).toMatchObject({ access_token: "", expires_in: 1800 });
    expect(body["issued_at"]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("issues an RS256 JWT: kid = libtrust key ID, aud a string, integer iat/nbf/exp, verifiable signature", async () => {
    const { response } = await ask(`service=harbor-registry&${SCOPE}`, basic(ROBOT.name, ROBOT.secret));
    const token = (JSON.parse(response.body) as { token: string }).token;
    const { header, claims } = decodeJwt(token);
    expect(header).toEqual({ typ: "JWT", alg: "RS256", kid: libtrustKeyId(publicKey) });
    expect(claims).toMatchObject({ iss: "harbor-token-issuer", aud: "harbor-registry", sub: ROBOT.name });
    expect(typeof claims["aud"]).toBe("string");
    for (const claim of ["iat", "nbf", "exp"]) expect(Number.isInteger(claims[claim])).toBe(true);
    expect(claims["exp"]).toBe((claims["iat"] as number) + 1800);
    expect(typeof claims["jti"]).toBe("string");
    const [h, c, s] = token.split(".");
    expect(verify("sha256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s ?? "", "base64url"))).toBe(true);
  });

  it("records requests without the password", async () => {
    const { record } = await ask(`service=harbor-registry&${SCOPE}`, basic(ROBOT.name, ROBOT.secret));
    expect(record).toMatchObject({ username: ROBOT.name, authenticated: true, scopes: ["repository:skopush/app:pull,push"], status: 200 });
    expect(JSON.stringify(record)).not.toContain(ROBOT.secret);
  });

  it("parses scopes: type before the first ':', actions after the last", () => {
    expect(parseScope("repository:127.0.0.1:5000/p/r:pull,push")).toEqual({ type: "repository", name: "127.0.0.1:5000/p/r", actions: ["pull", "push"] });
    expect(parseScope("repository:p/r")).toBeUndefined();
  });
});
