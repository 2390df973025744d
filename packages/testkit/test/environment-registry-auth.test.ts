import { describe, expect, it } from "vitest";
import { AUTHORIZERS, basicAuthorizer, parseChallenges } from "../src/environment/registry-auth.js";

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

  it("is the only authorizer until the token registry arrives", () => {
    expect(Object.keys(AUTHORIZERS)).toEqual(["basic"]);
  });
});
