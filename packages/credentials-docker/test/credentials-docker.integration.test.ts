import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Redacted } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CredentialsChain, type CredentialsProvider } from "@skopush/core";
import {
  ContainersAuthCredentialsProvider,
  defaultCredentialsProviders,
  DockerConfigCredentialsProvider,
  EnvironmentCredentialsProvider,
} from "@skopush/credentials-docker";
import { hostSkopeoPush, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";

let env: TestEnvironment;
let registry: TestRegistry;
let work: string;
let archive: string;
let robot: { username: string; password: string };

beforeAll(async () => {
  env = await loadTestEnvironment();
  registry = env.registry("token");
  robot = env.harbor.accounts.robot;
  work = await mkdtemp(join(tmpdir(), "skopush-credentials-docker-it-"));
  await chmod(work, 0o700);
  archive = join(work, "image.tar");
  await writeImageArchive(archive, { format: "docker-legacy", layers: 2, layerSize: 32 * 1024, compressibility: 0.5, seed: "credentials-docker" });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const auth = (c: { username: string; password: string }) => Buffer.from(`${c.username}:${c.password}`).toString("base64");
const writePrivate = async (path: string, content: string) => {
  await mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
  await writeFile(path, content, { mode: 0o600, flag: "wx" });
};
const home = async (name: string) => {
  const dir = join(work, name);
  await mkdir(dir, { mode: 0o700 });
  return dir;
};
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

/** Resolves with `provider`, pushes with what it answered through the host's skopeo, reads the manifest back. */
const pushWith = async (provider: CredentialsProvider, repository = "skopush/credentials-docker") => {
  const credentials = await Effect.runPromise(Effect.scoped(provider.resolve({ registry: registry.host, repository })));
  expect(credentials, `${provider.name} had no answer`).toBeDefined();
  const plain = { username: credentials!.username, password: Redacted.value(credentials!.password) };
  expect(plain).toEqual(robot);
  const tag = unique(provider.name);
  const push = await hostSkopeoPush({ archive, registry, repository, tag, credentials: plain });
  const manifest = await readManifest(registry, repository, tag);
  expect(manifest.digest).toBe(push.digest);
  return push;
};

describe("credentials-docker providers push through the token registry (real skopeo, real registry)", () => {
  it("EnvironmentCredentialsProvider (SKOPUSH_USERNAME / SKOPUSH_PASSWORD)", async () => {
    await pushWith(new EnvironmentCredentialsProvider({ env: { SKOPUSH_USERNAME: robot.username, SKOPUSH_PASSWORD: robot.password } }));
  });

  it("DockerConfigCredentialsProvider (~/.docker/config.json auths)", async () => {
    const dir = await home("docker-config");
    await writePrivate(join(dir, ".docker", "config.json"), JSON.stringify({ auths: { [`https://${registry.host}`]: { auth: auth(robot) } } }));
    await pushWith(new DockerConfigCredentialsProvider({ homeDir: dir, env: {} }));
  });

  it("DockerConfigCredentialsProvider (DOCKER_AUTH_CONFIG)", async () => {
    const dir = await home("docker-auth-config");
    await pushWith(new DockerConfigCredentialsProvider({ homeDir: dir, env: { DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { [registry.host]: { auth: auth(robot) } } }) } }));
  });

  it("DockerConfigCredentialsProvider (credHelpers → docker-credential-skopushtest)", async () => {
    const dir = await home("helper");
    const bin = join(dir, "bin");
    await mkdir(bin, { mode: 0o700 });
    const secrets = join(dir, "helper-answer.json");
    await writePrivate(secrets, JSON.stringify({ ServerURL: registry.host, Username: robot.username, Secret: robot.password }));
    const helper = join(bin, "docker-credential-skopushtest");
    // The fake keychain: answers for one server, read from a 0600 file; the secret never touches argv.
    await writeFile(
      helper,
      `#!/bin/sh\nserver=$(cat)\nif [ "$server" = "$SKOPUSHTEST_SERVER" ]; then cat "$SKOPUSHTEST_ANSWER"; else echo "credentials not found in native keychain"; exit 1; fi\n`,
      { mode: 0o700 },
    );
    await writePrivate(join(dir, ".docker", "config.json"), JSON.stringify({ credHelpers: { [registry.host]: "skopushtest" } }));
    await pushWith(
      new DockerConfigCredentialsProvider({
        homeDir: dir,
        env: { PATH: `${bin}:/usr/bin:/bin`, SKOPUSHTEST_SERVER: registry.host, SKOPUSHTEST_ANSWER: secrets },
      }),
    );
  });

  it("ContainersAuthCredentialsProvider (a host/project key in ${XDG_CONFIG_HOME}/containers/auth.json)", async () => {
    const dir = await home("containers");
    await writePrivate(
      join(dir, ".config", "containers", "auth.json"),
      JSON.stringify({ auths: { [registry.host]: { auth: auth({ username: "robot$other+x", password: "wrong" }) }, [`${registry.host}/skopush`]: { auth: auth(robot) } } }),
    );
    await pushWith(new ContainersAuthCredentialsProvider({ homeDir: dir, env: {}, uid: 99_999 }));
  });

  it("defaultCredentialsProviders, chained: the environment wins over stored logins", async () => {
    const dir = await home("default-chain");
    await writePrivate(join(dir, ".docker", "config.json"), JSON.stringify({ auths: { [registry.host]: { auth: auth({ username: robot.username, password: "stale" }) } } }));
    const chain = new CredentialsChain(defaultCredentialsProviders({ homeDir: dir, env: { HARBOR_USERNAME: robot.username, HARBOR_PASSWORD: robot.password }, uid: 99_999 }));
    await pushWith(chain);
  });
});
