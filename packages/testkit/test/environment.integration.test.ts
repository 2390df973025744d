import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blobExists,
  listTags,
  loadTestEnvironment,
  readManifest,
  type RegistryKind,
  type TestEnvironment,
} from "@skopush/testkit/environment";
import { privateTempDir, pushWithHostSkopeo, run, uniqueTag, writeSmokeArchive } from "./environment-support.js";

let env: TestEnvironment;
let workDir: string;
let archive: string;
let configDigest: string;

beforeAll(async () => {
  env = await loadTestEnvironment();
  workDir = await privateTempDir("skopush-smoke-");
  archive = join(workDir, "image.tar");
  ({ configDigest } = await writeSmokeArchive(archive, "environment-smoke"));
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const docker = (args: ReadonlyArray<string>) => run("docker", ["-H", `unix://${env.dockerSocket}`, ...args]);

describe.each<RegistryKind>(["plain", "tls", "basic"])("the %s registry", (kind) => {
  it("takes a push from the host's skopeo and serves back the manifest skopeo reported", async () => {
    const registry = env.registry(kind);
    const repository = `smoke/${kind}`;
    const tag = uniqueTag("host");

    const push = await pushWithHostSkopeo(archive, registry, repository, tag);

    expect(push.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    if (registry.credentials) expect(push.argv.join(" ")).not.toContain(registry.credentials.password);
    const manifest = await readManifest(registry, repository, tag);
    expect(manifest.digest).toBe(push.digest);
    expect(manifest.json.config?.digest).toBe(configDigest);
    expect(await listTags(registry, repository)).toContain(tag);
    for (const blob of [manifest.json.config!, ...(manifest.json.layers ?? [])]) {
      expect(await blobExists(registry, repository, blob.digest)).toBe(true);
    }
    expect(await blobExists(registry, repository, `sha256:${"0".repeat(64)}`)).toBe(false);
    expect((await readManifest(registry, repository, push.digest)).digest).toBe(push.digest);
  });
});

describe("the basic registry", () => {
  it("refuses a read without credentials", async () => {
    const { credentials: _credentials, ...anonymous } = env.registry("basic");
    await expect(listTags(anonymous, "smoke/basic")).rejects.toMatchObject({ _tag: "RegistryCheckFailed", status: 401 });
  });

  it("uses a Harbor-like robot name and a password with ':' and '$'", () => {
    const { credentials } = env.registry("basic");
    expect(credentials?.username).toMatch(/^robot\$[^+]+\+.+$/);
    expect(credentials?.password).toMatch(/:.*\$|\$.*:/);
  });
});

describe("the tls registry", () => {
  it("fails a skopeo push that does not trust the test CA with an x509 error, and stores nothing", async () => {
    const registry = env.registry("tls");
    const repository = "smoke/untrusted";
    const push = pushWithHostSkopeo(archive, registry, repository, uniqueTag("no-ca"), { trustCa: false });
    await expect(push).rejects.toThrow(/x509: certificate signed by unknown authority/);
    expect(await listTags(registry, repository)).toEqual([]);
  });

  it("is refused by the read helpers without the CA", async () => {
    const { caFile: _caFile, ...untrusted } = env.registry("tls");
    await expect(listTags(untrusted, "smoke/tls")).rejects.toThrow(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|self.signed|unable to verify/i);
  });
});

describe("the skopeo image", () => {
  it("runs skopeo, with the host's version", async () => {
    const { stdout } = await docker(["run", "--rm", "--network", "host", env.skopeoImage, "skopeo", "--version"]);
    const { stdout: host } = await run("skopeo", ["--version"]);
    expect(stdout.trim()).toBe(host.trim());
  });

  it("pushes a read-only mounted archive to the plain registry over the host network", async () => {
    const registry = env.registry("plain");
    const repository = "smoke/container";
    const tag = uniqueTag("container");
    const out = await privateTempDir("skopush-smoke-out-");
    try {
      await docker([
        "run", "--rm", "--network", "host",
        "-v", `${workDir}:/in:ro`, "-v", `${out}:/out`,
        env.skopeoImage,
        "skopeo", "copy", "--dest-tls-verify=false", "--dest-no-creds", "--digestfile", "/out/digest",
        "docker-archive:/in/image.tar", `docker://${registry.host}/${repository}:${tag}`,
      ]);
      const digest = (await readFile(join(out, "digest"), "utf8")).trim();
      expect((await readManifest(registry, repository, tag)).digest).toBe(digest);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("stays up as a resident container that skopeo can be exec'd in", async () => {
    const name = `skopush-smoke-${process.pid}-${Date.now().toString(36)}`;
    await docker(["run", "-d", "--name", name, "--network", "host", env.skopeoImage]);
    try {
      const { stdout } = await docker(["exec", name, "skopeo", "--version"]);
      expect(stdout).toMatch(/^skopeo version /);
      const { stdout: running } = await docker(["inspect", "--format", "{{.State.Running}}", name]);
      expect(running.trim()).toBe("true");
    } finally {
      await docker(["rm", "-f", name]);
    }
  });
});

describe("the environment's state", () => {
  it("records every registry with its host, scheme and what clients need", () => {
    for (const registry of env.registries) {
      expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(registry.url).toBe(`${registry.scheme}://${registry.host}`);
      if (registry.scheme === "https") expect(existsSync(join(registry.certDir!, "ca.crt"))).toBe(true);
    }
    expect(env.registries.map((r) => r.kind).sort()).toEqual(["basic", "plain", "tls", "token"]);
  });
});
