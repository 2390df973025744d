import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CredentialsChain } from "@skopush/core";
import { defaultCredentialsProviders } from "@skopush/credentials-docker";
import { answer, auth, tempDir, writeJson } from "./support.js";

const query = { registry: "harbor.example.com", repository: "proj/app" };

describe("defaultCredentialsProviders", () => {
  it("orders explicit > environment > containers auth.json > docker config.json", async () => {
    const home = await tempDir();
    expect(defaultCredentialsProviders({ homeDir: home, env: {}, credentials: { username: "u", password: "p" } }).map((p) => p.name)).toEqual([
      "static",
      "environment",
      "containers-auth",
      "docker-config",
    ]);
    expect(defaultCredentialsProviders({ homeDir: home, env: {} }).map((p) => p.name)).toEqual([
      "environment",
      "containers-auth",
      "docker-config",
    ]);
  });

  it("lets each source win over the ones after it", async () => {
    const home = await tempDir();
    await writeJson(join(home, ".docker", "config.json"), { auths: { "harbor.example.com": { auth: auth("docker", "p") } } });
    const chain = (env: Record<string, string>, credentials?: { username: string; password: string }) =>
      new CredentialsChain(defaultCredentialsProviders({ homeDir: home, env, credentials }));
    expect(await answer(chain({}), query)).toMatchObject({ username: "docker" });
    await writeJson(join(home, ".config", "containers", "auth.json"), { auths: { "harbor.example.com/proj": { auth: auth("containers", "p") } } });
    expect(await answer(chain({}), query)).toMatchObject({ username: "containers" });
    expect(await answer(chain({ HARBOR_USERNAME: "env", HARBOR_PASSWORD: "p" }), query)).toMatchObject({ username: "env" });
    expect(await answer(chain({ HARBOR_USERNAME: "env", HARBOR_PASSWORD: "p" }, { username: "explicit", password: "p" }), query)).toMatchObject({
      username: "explicit",
    });
  });

  it("stops at a malformed file rather than falling through to an anonymous push", async () => {
    const home = await tempDir();
    await writeJson(join(home, ".config", "containers", "auth.json"), "{not json");
    await writeJson(join(home, ".docker", "config.json"), { auths: { "harbor.example.com": { auth: auth("docker", "p") } } });
    const result = await answer(new CredentialsChain(defaultCredentialsProviders({ homeDir: home, env: {} })), query);
    expect(result).toMatchObject({ _tag: "CredentialsError", source: join(home, ".config", "containers", "auth.json") });
  });
});
