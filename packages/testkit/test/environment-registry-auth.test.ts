import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { AUTHORIZERS, basicAuthorizer, bearerAuthorizer, parseChallenges } from "../src/environment/registry-auth.js";
import { decodeJwt, HarborApiStandIn, HarborStandInStore, RegistryTokenSigner } from "../src/harbor/index.js";

describe("parseChallenges", () => {
  it("parses distribution's Basic challenge", () => {
    expect(parseChallenges('Basic realm="skopush-basic"')).toEqual([{ scheme: "basic", params: { realm: "skopush-basic" } }]);
  });

  it("keeps commas and colons inside quoted values of a Bearer challenge", () => {
    const [challenge] = parseChallenges(
      'Bearer realm="http://127.0.0.1:5001/service/token",service="harbor-registry",scope="repository:p/app:pull,push"',
    );
    expect(challenge).toEqual({
      scheme: "bearer",
      params: { realm: "http://127.0.0.1:5001/service/token", service: "harbor-registry", scope: "repository:p/app:pull,push" },
    });
  });

  it("unescapes quoted pairs, accepts tokens and spaces around '='", () => {
    expect(parseChallenges('Basic realm = "a \\"b\\"", charset=UTF-8')).toEqual([
      { scheme: "basic", params: { realm: 'a "b"', charset: "UTF-8" } },
    ]);
  });

  it("lower-cases schemes and parameter names, and reads several challenges", () => {
    expect(parseChallenges('BASIC Realm="r", Bearer realm="t",error="invalid_token"')).toEqual([
      { scheme: "basic", params: { realm: "r" } },
      { scheme: "bearer", params: { realm: "t", error: "invalid_token" } },
    ]);
  });

  it("gives nothing for an empty header and stops at an unterminated quote", () => {
    expect(parseChallenges("")).toEqual([]);
    expect(parseChallenges('Basic realm="open')).toEqual([{ scheme: "basic", params: {} }]);
  });
});

describe("basicAuthorizer", () => {
  it("encodes user:password as is, so '$', '+' and ':' survive", async () => {
    const header = await basicAuthorizer({ scheme: "basic", params: {} }, { username: "robot$p+ci", password: "a:b$c" });
    expect(header).toBe(`Basic ${Buffer.from("robot$p+ci:a:b$c").toString("base64")}`);
  });

  it("sits next to the Bearer authorizer of the token registry", () => {
    expect(Object.keys(AUTHORIZERS)).toEqual(["basic", "bearer"]);
  });
});

describe("bearerAuthorizer", () => {
  const robot = { username: "robot$skopush+ci", password: "Sk:se$cret" };
  const start = () =>
    HarborApiStandIn.start({
      store: new HarborStandInStore({}, {
        projects: [{ name: "skopush" }],
        robots: [{ name: robot.username, secret: robot.password, project: "skopush", actions: ["pull", "push"] }],
      }),
      signer: new RegistryTokenSigner(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey),
    });

  it("fetches a token for the challenge's service and scope with Basic credentials", async () => {
    const standIn = await start();
    try {
      const challenge = { scheme: "bearer", params: { realm: standIn.realm, service: "harbor-registry", scope: "repository:skopush/app:pull" } };
      const authorization = await bearerAuthorizer(challenge, robot);
      expect(authorization).toMatch(/^Bearer /);
      const claims = decodeJwt(authorization!.slice("Bearer ".length)).claims as { sub: string; access: Array<{ name: string; actions: string[] }> };
      expect(claims.sub).toBe(robot.username);
      // Harbor grants every action the account may do, whatever the scope asked for.
      expect(claims.access.map((a) => ({ ...a, actions: [...a.actions].sort() }))).toEqual([{ type: "repository", name: "skopush/app", actions: ["pull", "push"] }]);
      expect(standIn.tokenRequests.at(-1)).toMatchObject({ username: robot.username, scopes: ["repository:skopush/app:pull"] });
    } finally {
      await standIn.close();
    }
  });

  it("has no answer when the token service refuses the credentials", async () => {
    const standIn = await start();
    try {
      const challenge = { scheme: "bearer", params: { realm: standIn.realm, service: "harbor-registry" } };
      expect(await bearerAuthorizer(challenge, { ...robot, password: "wrong" })).toBeUndefined();
    } finally {
      await standIn.close();
    }
  });
});
