import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ContainersAuthCredentialsProvider } from "@skopush/credentials-docker";
import { answer, auth, failure, tempDir, writeFakeHelper, writeJson } from "./support.js";

const harbor = (repository = "proj/app") => ({ registry: "harbor.example.com", repository });
const entry = (username: string, password = "secret") => ({ auth: auth(username, password) });

const home = async () => {
  const dir = await tempDir();
  await writeFakeHelper(join(dir, "bin"));
  return dir;
};

describe("ContainersAuthCredentialsProvider", () => {
  it("searches ${XDG_RUNTIME_DIR}/containers/auth.json, then ${XDG_CONFIG_HOME}/containers/auth.json", async () => {
    const dir = await home();
    const provider = new ContainersAuthCredentialsProvider({
      homeDir: dir,
      env: { XDG_RUNTIME_DIR: join(dir, "run"), XDG_CONFIG_HOME: join(dir, "cfg") },
    });
    expect(provider.searchPath).toEqual([join(dir, "run", "containers", "auth.json"), join(dir, "cfg", "containers", "auth.json")]);
    await writeJson(join(dir, "cfg", "containers", "auth.json"), { auths: { "harbor.example.com": entry("from-config") } });
    expect(await answer(provider, harbor())).toMatchObject({ username: "from-config" });
    await writeJson(join(dir, "run", "containers", "auth.json"), { auths: { "harbor.example.com": entry("from-runtime") } });
    expect(await answer(provider, harbor())).toMatchObject({ username: "from-runtime" });
  });

  it("defaults to /run/containers/<uid>/auth.json and ~/.config/containers/auth.json", async () => {
    const dir = await home();
    const provider = new ContainersAuthCredentialsProvider({ homeDir: dir, env: {}, uid: 4242 });
    expect(provider.searchPath).toEqual(["/run/containers/4242/auth.json", join(dir, ".config", "containers", "auth.json")]);
    await writeJson(join(dir, ".config", "containers", "auth.json"), { auths: { "harbor.example.com": entry("home") } });
    expect(await answer(provider, harbor())).toMatchObject({ username: "home" });
  });

  it("reads only REGISTRY_AUTH_FILE when it is set", async () => {
    const dir = await home();
    await writeJson(join(dir, ".config", "containers", "auth.json"), { auths: { "harbor.example.com": entry("home") } });
    const file = await writeJson(join(dir, "explicit.json"), { auths: { "other.example.com": entry("other") } });
    const provider = new ContainersAuthCredentialsProvider({ homeDir: dir, env: { REGISTRY_AUTH_FILE: file } });
    expect(provider.searchPath).toEqual([file]);
    expect(await answer(provider, harbor())).toBeUndefined();
    expect(await answer(provider, { registry: "other.example.com", repository: "p/r" })).toMatchObject({ username: "other" });
  });

  it("lets the most specific key win: host/proj/app, then host/proj, then host", async () => {
    const dir = await home();
    const file = await writeJson(join(dir, "auth.json"), {
      auths: {
        "harbor.example.com": entry("host"),
        "harbor.example.com/proj": entry("robot$proj+ci"),
        "harbor.example.com/proj/special": entry("robot$proj+special"),
      },
    });
    const provider = new ContainersAuthCredentialsProvider({ authFile: file, env: {} });
    expect(await answer(provider, harbor("proj/special"))).toMatchObject({ username: "robot$proj+special" });
    expect(await answer(provider, harbor("proj/app"))).toMatchObject({ username: "robot$proj+ci" });
    expect(await answer(provider, harbor("proj/team/app"))).toMatchObject({ username: "robot$proj+ci" });
    expect(await answer(provider, harbor("other/app"))).toMatchObject({ username: "host" });
    // A key for a longer path does not match a shorter repository.
    expect(await answer(provider, harbor("proj"))).toMatchObject({ username: "robot$proj+ci" });
  });

  it("reads Docker Hub under docker.io and under docker's legacy key", async () => {
    const dir = await home();
    const hub = { registry: "docker.io", repository: "library/busybox" };
    const legacy = await writeJson(join(dir, "legacy.json"), { auths: { "https://index.docker.io/v1/": entry("legacy") } });
    expect(await answer(new ContainersAuthCredentialsProvider({ authFile: legacy, env: {} }), hub)).toMatchObject({ username: "legacy" });
    const modern = await writeJson(join(dir, "modern.json"), { auths: { "docker.io/library": entry("library") } });
    expect(await answer(new ContainersAuthCredentialsProvider({ authFile: modern, env: {} }), hub)).toMatchObject({ username: "library" });
  });

  it("asks credHelpers[host] (with the bare host) before auths", async () => {
    const dir = await home();
    const file = await writeJson(join(dir, "auth.json"), {
      auths: { "found.example:5000/proj": entry("from-auths") },
      credHelpers: { "found.example:5000": "skopushtest" },
    });
    const log = join(dir, "helper.log");
    const provider = new ContainersAuthCredentialsProvider({ authFile: file, env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, HELPER_LOG: log } });
    expect(await answer(provider, { registry: "found.example:5000", repository: "proj/app" })).toEqual({
      username: "robot$proj+ci",
      password: "he:lper$ecret",
    });
    expect(await readFile(log, "utf8")).toBe("get\nfound.example:5000\n");
  });

  it("ignores credsStore, which containers/image does not support", async () => {
    const dir = await home();
    const file = await writeJson(join(dir, "auth.json"), { credsStore: "skopushtest", auths: { "harbor.example.com": entry("auths") } });
    const provider = new ContainersAuthCredentialsProvider({ authFile: file, env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin` } });
    expect(await answer(provider, harbor())).toMatchObject({ username: "auths" });
  });

  it("moves on to the next file when a file has no match or only an empty entry", async () => {
    const dir = await home();
    await writeJson(join(dir, "run", "containers", "auth.json"), { auths: { "harbor.example.com": {} } });
    await writeJson(join(dir, "cfg", "containers", "auth.json"), { auths: { "harbor.example.com/proj": entry("second") } });
    const provider = new ContainersAuthCredentialsProvider({
      env: { XDG_RUNTIME_DIR: join(dir, "run"), XDG_CONFIG_HOME: join(dir, "cfg") },
    });
    expect(await answer(provider, harbor())).toMatchObject({ username: "second" });
  });

  it("fails naming the file when a file on the search path is malformed", async () => {
    const dir = await home();
    const bad = await writeJson(join(dir, "run", "containers", "auth.json"), { auths: { "harbor.example.com": { auth: 7 } } });
    await writeJson(join(dir, "cfg", "containers", "auth.json"), { auths: { "harbor.example.com": entry("good") } });
    const provider = new ContainersAuthCredentialsProvider({
      env: { XDG_RUNTIME_DIR: join(dir, "run"), XDG_CONFIG_HOME: join(dir, "cfg") },
    });
    const error = await failure(provider, harbor());
    expect(error).toMatchObject({ _tag: "CredentialsError", source: bad });
    expect(error.message).toContain(bad);
  });

  it("fails when a file exists but cannot be read", async () => {
    const provider = new ContainersAuthCredentialsProvider({
      authFile: "/etc/shadow-like",
      env: {},
      readFile: () => Promise.reject(Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" })),
    });
    const error = await failure(provider, harbor());
    expect(error.message).toMatch(/\/etc\/shadow-like: cannot be read \(EACCES\)/);
  });
});
