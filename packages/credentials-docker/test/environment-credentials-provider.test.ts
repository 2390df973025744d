import { describe, expect, it } from "vitest";
import { EnvironmentCredentialsProvider } from "@skopush/credentials-docker";
import { answer, failure } from "./support.js";

const query = { registry: "harbor.example.com", repository: "proj/app" };

describe("EnvironmentCredentialsProvider", () => {
  it("reads SKOPUSH_USERNAME/SKOPUSH_PASSWORD first", async () => {
    const provider = new EnvironmentCredentialsProvider({
      env: { SKOPUSH_USERNAME: "robot$proj+ci", SKOPUSH_PASSWORD: "a:b$c", HARBOR_USERNAME: "h", HARBOR_PASSWORD: "p" },
    });
    expect(await answer(provider, query)).toEqual({ username: "robot$proj+ci", password: "a:b$c" });
  });

  it("falls back to HARBOR_USERNAME/HARBOR_PASSWORD", async () => {
    const provider = new EnvironmentCredentialsProvider({ env: { HARBOR_USERNAME: "h", HARBOR_PASSWORD: "p" } });
    expect(await answer(provider, query)).toEqual({ username: "h", password: "p" });
  });

  it("has no answer when nothing is set (empty values count as unset)", async () => {
    expect(await answer(new EnvironmentCredentialsProvider({ env: {} }), query)).toBeUndefined();
    expect(await answer(new EnvironmentCredentialsProvider({ env: { SKOPUSH_USERNAME: "", SKOPUSH_PASSWORD: "" } }), query)).toBeUndefined();
  });

  it.each([
    [{ SKOPUSH_USERNAME: "u" }, /SKOPUSH_USERNAME is set but SKOPUSH_PASSWORD is not/],
    [{ SKOPUSH_PASSWORD: "secret-value" }, /SKOPUSH_PASSWORD is set but SKOPUSH_USERNAME is not/],
    [{ HARBOR_USERNAME: "u", HARBOR_PASSWORD: "" }, /HARBOR_USERNAME is set but HARBOR_PASSWORD is not/],
    [{ SKOPUSH_USERNAME: "u", HARBOR_USERNAME: "h", HARBOR_PASSWORD: "p" }, /SKOPUSH_USERNAME is set but SKOPUSH_PASSWORD is not/],
  ])("fails on half a pair (%o)", async (env, reason) => {
    const error = await failure(new EnvironmentCredentialsProvider({ env }), query);
    expect(error._tag).toBe("CredentialsError");
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain("secret-value");
  });

  it("answers only for its registry when given one", async () => {
    const provider = new EnvironmentCredentialsProvider({ env: { SKOPUSH_USERNAME: "u", SKOPUSH_PASSWORD: "p" }, registry: "harbor.example.com" });
    expect(await answer(provider, query)).toEqual({ username: "u", password: "p" });
    expect(await answer(provider, { registry: "other.example.com", repository: "p/r" })).toBeUndefined();
  });
});
