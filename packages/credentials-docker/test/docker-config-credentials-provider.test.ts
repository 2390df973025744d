import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DockerConfigCredentialsProvider } from "@skopush/credentials-docker";
import { answer, auth, failure, tempDir, writeFakeHelper, writeJson } from "./support.js";

const query = (registry: string, repository = "proj/app") => ({ registry, repository });

/** A home dir with `~/.docker/config.json` holding `config`, and a bin dir with the fake helper. */
const setup = async (config?: unknown, env: Record<string, string> = {}) => {
  const home = await tempDir();
  const bin = join(home, "bin");
  await writeFakeHelper(bin);
  const log = join(home, "helper.log");
  if (config !== undefined) await writeJson(join(home, ".docker", "config.json"), config);
  const provider = new DockerConfigCredentialsProvider({
    homeDir: home,
    env: { PATH: `${bin}:/usr/bin:/bin`, HELPER_LOG: log, ...env },
  });
  return { home, provider, log };
};

describe("DockerConfigCredentialsProvider", () => {
  it("reads auths[host].auth from ~/.docker/config.json", async () => {
    const { provider } = await setup({ auths: { "harbor.example.com": { auth: auth("robot$proj+ci", "s3:cr$t") } } });
    expect(await answer(provider, query("harbor.example.com"))).toEqual({ username: "robot$proj+ci", password: "s3:cr$t" });
  });

  it("has no answer when the file is missing or has no entry", async () => {
    expect(await answer((await setup()).provider, query("harbor.example.com"))).toBeUndefined();
    const { provider } = await setup({ auths: { "other.example.com": { auth: auth("u", "p") } } });
    expect(await answer(provider, query("harbor.example.com"))).toBeUndefined();
  });

  it("has no answer for an empty {} entry without a helper", async () => {
    const { provider } = await setup({ auths: { "harbor.example.com": {} } });
    expect(await answer(provider, query("harbor.example.com"))).toBeUndefined();
  });

  it("reads $DOCKER_CONFIG/config.json instead of ~/.docker", async () => {
    const dir = await tempDir();
    await writeJson(join(dir, "config.json"), { auths: { "harbor.example.com": { auth: auth("from", "docker-config") } } });
    const { provider } = await setup({ auths: { "harbor.example.com": { auth: auth("from", "home") } } }, { DOCKER_CONFIG: dir });
    expect(await answer(provider, query("harbor.example.com"))).toEqual({ username: "from", password: "docker-config" });
  });

  it("prefers DOCKER_AUTH_CONFIG's auths, falling back to the file for other registries", async () => {
    const env = { DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "harbor.example.com": { auth: auth("from", "env") } } }) };
    const { provider } = await setup(
      { auths: { "harbor.example.com": { auth: auth("from", "file") }, "other.example.com": { auth: auth("other", "file") } } },
      env,
    );
    expect(await answer(provider, query("harbor.example.com"))).toEqual({ username: "from", password: "env" });
    expect(await answer(provider, query("other.example.com"))).toEqual({ username: "other", password: "file" });
  });

  it("names DOCKER_AUTH_CONFIG when its JSON is malformed, without echoing it", async () => {
    const { provider } = await setup(undefined, { DOCKER_AUTH_CONFIG: '{"auths": {"h": {"auth": "c2VjcmV0"}}' });
    const error = await failure(provider, query("harbor.example.com"));
    expect(error._tag).toBe("CredentialsError");
    expect(error.message).toContain("environment variable DOCKER_AUTH_CONFIG");
    expect(error.message).not.toContain("c2VjcmV0");
  });

  it.each([
    ["https://harbor.example.com", "harbor.example.com"],
    ["http://harbor.example.com:8080/v1/", "harbor.example.com:8080"],
    ["HARBOR.EXAMPLE.COM", "harbor.example.com"],
    ["https://index.docker.io/v1/", "docker.io"],
    ["registry-1.docker.io", "index.docker.io"],
  ])("matches the key %s for registry %s", async (key, registry) => {
    const { provider } = await setup({ auths: { [key]: { auth: auth("u", "p") } } });
    expect(await answer(provider, query(registry))).toEqual({ username: "u", password: "p" });
  });

  it("prefers an exact key over a normalised one", async () => {
    const { provider } = await setup({
      auths: { "https://harbor.example.com/v1/": { auth: auth("legacy", "p") }, "harbor.example.com": { auth: auth("exact", "p") } },
    });
    expect(await answer(provider, query("harbor.example.com"))).toMatchObject({ username: "exact" });
  });

  it("refuses an identitytoken clearly instead of pushing anonymously", async () => {
    const { provider, home } = await setup({ auths: { "harbor.example.com": { identitytoken: "refresh-token-value" } } });
    const error = await failure(provider, query("harbor.example.com"));
    expect(error._tag).toBe("CredentialsError");
    expect(error.message).toContain(join(home, ".docker", "config.json"));
    expect(error.message).toMatch(/identitytoken.*Harbor neither issues nor accepts/);
    expect(error.message).not.toContain("refresh-token-value");
  });

  it("fails with the file's path when the file is malformed", async () => {
    const { provider, home } = await setup('{"auths": {"harbor.example.com": {"auth": "%%%"}}}');
    const error = await failure(provider, query("harbor.example.com"));
    expect(error).toMatchObject({ _tag: "CredentialsError", source: join(home, ".docker", "config.json") });
    expect(error.message).toMatch(/auth is not valid base64/);
  });

  it("asks credHelpers[host] before credsStore, and credsStore before auths", async () => {
    const { provider, log } = await setup({
      auths: { "found.example": { auth: auth("from", "auths") }, "other.example": { auth: auth("from", "auths") } },
      credsStore: "skopushtest",
      credHelpers: { "found.example": "skopushtest" },
    });
    expect(await answer(provider, query("found.example"))).toEqual({ username: "robot$proj+ci", password: "he:lper$ecret" });
    // credsStore applies to every registry: its `auths` entry is only a placeholder.
    expect(await answer(provider, query("other.example"))).toBeUndefined();
    expect(await readFile(log, "utf8")).toBe("get\nfound.example\nget\nother.example\n");
  });

  it("uses credHelpers only for its own host and auths for the rest", async () => {
    const { provider } = await setup({
      auths: { "harbor.example.com": { auth: auth("from", "auths") } },
      credHelpers: { "found.example": "skopushtest" },
    });
    expect(await answer(provider, query("harbor.example.com"))).toEqual({ username: "from", password: "auths" });
  });

  it("asks the helper about Docker Hub by its legacy key", async () => {
    const { provider, log } = await setup({ credsStore: "skopushtest" });
    expect(await answer(provider, query("docker.io", "library/busybox"))).toMatchObject({ username: "robot$proj+ci" });
    expect(await readFile(log, "utf8")).toBe("get\nhttps://index.docker.io/v1/\n");
  });

  it("has no answer when the helper says credentials are not found", async () => {
    const { provider } = await setup({ credHelpers: { "missing.example": "skopushtest" } });
    expect(await answer(provider, query("missing.example"))).toBeUndefined();
  });

  it("fails clearly when the configured helper is not installed", async () => {
    const { provider } = await setup({ credsStore: "nosuchhelper" });
    const error = await failure(provider, query("harbor.example.com"));
    expect(error._tag).toBe("CredentialsError");
    expect(error.message).toMatch(/docker-credential-nosuchhelper.*not installed/);
  });
});
