import { describe, expect, it } from "vitest";
import { bcryptHtpasswdUser, generatePassword, htpasswdUsernameProblem, ROBOT_USERNAME } from "../src/environment/htpasswd.js";

// What `printf 'Sk:pw$x' | htpasswd -nBi 'robot$skopush+ci'` printed.
const LINE = "robot$skopush+ci:$2y$05$5ZmV8ZU2jjF5Uqd9uCqfG.TIGCxBlZGUMCjYpZ6KELIWnF4mYSkDW";

describe("bcryptHtpasswdUser", () => {
  it("reads the user of a bcrypt line", () => {
    expect(bcryptHtpasswdUser(LINE)).toBe(ROBOT_USERNAME);
    expect(bcryptHtpasswdUser(`${LINE}\n`)).toBe(ROBOT_USERNAME);
    expect(bcryptHtpasswdUser(LINE.replace("$2y$", "$2b$"))).toBe(ROBOT_USERNAME);
  });

  it("rejects the forms distribution ignores: MD5, SHA1, crypt, plain text", () => {
    expect(bcryptHtpasswdUser("u:$apr1$abcdefgh$0123456789abcdefghijkl")).toBeUndefined();
    expect(bcryptHtpasswdUser("u:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=")).toBeUndefined();
    expect(bcryptHtpasswdUser("u:abJnggxhB/yWI")).toBeUndefined();
    expect(bcryptHtpasswdUser("u:password")).toBeUndefined();
  });

  it("rejects a truncated hash and a line without a user", () => {
    expect(bcryptHtpasswdUser(LINE.slice(0, -1))).toBeUndefined();
    expect(bcryptHtpasswdUser(LINE.slice(LINE.indexOf(":")))).toBeUndefined();
  });
});

describe("htpasswdUsernameProblem", () => {
  it("accepts a Harbor robot name", () => {
    expect(htpasswdUsernameProblem(ROBOT_USERNAME)).toBeUndefined();
  });

  it("rejects names that break the file format", () => {
    expect(htpasswdUsernameProblem("")).toBe("is empty");
    expect(htpasswdUsernameProblem("a:b")).toMatch(/':'/);
    expect(htpasswdUsernameProblem("a\nb")).toMatch(/line break/);
  });
});

describe("the test account", () => {
  it("is a Harbor-like robot with '$' and '+'", () => {
    expect(ROBOT_USERNAME).toMatch(/^robot\$.+\+.+$/);
  });

  it("gets a fresh password with ':' and '$' each time", () => {
    const first = generatePassword();
    expect(first).toContain(":");
    expect(first).toContain("$");
    expect(first.length).toBeGreaterThanOrEqual(20);
    expect(generatePassword()).not.toBe(first);
  });
});
