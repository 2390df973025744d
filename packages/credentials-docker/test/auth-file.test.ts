import { describe, expect, it } from "vitest";
import { CredentialsError } from "@skopush/core";
import { expectSaysWhatToDo } from "@skopush/testkit/contracts";
import { parseAuthFile, type AuthFile } from "../src/auth-file.js";
import { auth } from "./support.js";

const parse = (content: unknown, flavour: "docker" | "containers" = "docker") =>
  parseAuthFile("/home/u/.docker/config.json", typeof content === "string" ? content : JSON.stringify(content), flavour);

const ok = (content: unknown, flavour: "docker" | "containers" = "docker"): AuthFile => {
  const file = parse(content, flavour);
  if (file instanceof CredentialsError) throw file;
  return file;
};

const error = (content: unknown, flavour: "docker" | "containers" = "docker"): CredentialsError => {
  const file = parse(content, flavour);
  if (!(file instanceof CredentialsError)) throw new Error("expected a CredentialsError");
  return file;
};

describe("parseAuthFile", () => {
  it("decodes auth, splitting on the first ':' only", () => {
    const file = ok({ auths: { "harbor.example.com": { auth: auth("robot$proj+ci", "pa:ss:word$") } } });
    expect(file.auths).toEqual([
      { key: "harbor.example.com", value: { kind: "password", username: "robot$proj+ci", password: "pa:ss:word$" } },
    ]);
  });

  it("trims trailing NUL bytes from the password", () => {
    const encoded = Buffer.from("user:secret\0\0").toString("base64");
    expect(ok({ auths: { h: { auth: encoded } } }).auths[0]?.value).toEqual({ kind: "password", username: "user", password: "secret" });
  });

  it("keeps an empty password", () => {
    expect(ok({ auths: { h: { auth: auth("user", "") } } }).auths[0]?.value).toEqual({ kind: "password", username: "user", password: "" });
  });

  it("reads {} and an empty auth as an empty entry", () => {
    expect(ok({ auths: { a: {}, b: { auth: "" } } }).auths.map((e) => e.value.kind)).toEqual(["empty", "empty"]);
  });

  it("marks identitytoken entries", () => {
    expect(ok({ auths: { h: { identitytoken: "refresh" } } }).auths[0]?.value).toEqual({ kind: "identity-token" });
  });

  it("reads docker's separate username/password fields, but not in containers auth.json", () => {
    const content = { auths: { h: { username: "u", password: "p" } } };
    expect(ok(content).auths[0]?.value).toEqual({ kind: "password", username: "u", password: "p" });
    expect(ok(content, "containers").auths[0]?.value).toEqual({ kind: "empty" });
  });

  it("reads credsStore and credHelpers in docker files; ignores credsStore in auth.json", () => {
    const content = { credsStore: "desktop", credHelpers: { "harbor.example.com": "secretservice" } };
    expect(ok(content)).toMatchObject({ credsStore: "desktop", credHelpers: [{ key: "harbor.example.com", helper: "secretservice" }] });
    expect(ok({ ...content, credsStore: 42 }, "containers").credsStore).toBeUndefined();
  });

  it("reads an empty or whitespace-only file as an empty configuration", () => {
    expect(ok("  \n")).toMatchObject({ auths: [], credHelpers: [] });
  });

  const malformed: ReadonlyArray<[string, unknown, RegExp]> = [
    ["bad JSON", '{"auths": {"h": {"auth": "c2VjcmV0"}},}', /is not valid JSON \(line 1, column \d+\)/],
    ["a JSON array", [], /must hold a JSON object, found an array/],
    ["JSON null", "null", /must hold a JSON object, found null/],
    ["auths as an array", { auths: [] }, /"auths" must be an object, found an array/],
    ["an entry that is a string", { auths: { h: "x" } }, /auths\["h"\] must be an object, found a string/],
    ["auth that is a number", { auths: { h: { auth: 42 } } }, /auths\["h"\]\.auth must be a string, found a number/],
    ["auth that is not base64", { auths: { h: { auth: "not base64!" } } }, /auths\["h"\]\.auth is not valid base64/],
    ["auth with broken padding", { auths: { h: { auth: "dXNlcjpw=" } } }, /auths\["h"\]\.auth is not valid base64/],
    ["auth without ':'", { auths: { h: { auth: Buffer.from("userpass").toString("base64") } } }, /no ':' found/],
    ["auth with an empty username", { auths: { h: { auth: auth("", "secret") } } }, /auths\["h"\]\.auth has an empty username/],
    ["a password without username", { auths: { h: { password: "p" } } }, /has a password but an empty username/],
    ["credHelpers as a string", { credHelpers: "x" }, /"credHelpers" must be an object, found a string/],
    ["a credHelpers value that is not a string", { credHelpers: { h: 1 } }, /credHelpers\["h"\] must be a string/],
    ["a helper name with a path", { credHelpers: { h: "../../bin/sh" } }, /is not a valid helper name/],
    ["credsStore that is not a string", { credsStore: true }, /"credsStore" must be a string, found a boolean/],
  ];
  for (const [what, content, reason] of malformed) {
    it(`rejects ${what} with a CredentialsError naming the file`, () => {
      const e = error(content);
      expect(e._tag).toBe("CredentialsError");
      expect(e.source).toBe("/home/u/.docker/config.json");
      expect(e.message).toContain("/home/u/.docker/config.json");
      expect(e.reason).toMatch(reason);
      expectSaysWhatToDo(e);
    });
  }

  it("never quotes the file's content in its errors", () => {
    const secret = "c2VjcmV0LXBhc3N3b3Jk";
    expect(error(`{"auths": {"h": {"auth": "${secret}"}} oops`).message).not.toContain(secret);
    expect(error(`{"auths": {"h": {"auth": "${secret}!"}}}`).message).not.toContain(secret);
  });
});
