import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCredentials, resolvePusher, StaticCredentialsProvider, type CredentialsProvider } from "@skopush/core";
import {
  ContainersAuthCredentialsProvider,
  DockerConfigCredentialsProvider,
  EnvironmentCredentialsProvider,
} from "@skopush/credentials-docker";
import { HarborCredentialsProvider } from "@skopush/credentials-harbor";
import { loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { startResidentContainer, storedTags, type ResidentContainer } from "@skopush/testkit/hardening";
import { createDefaultContainer, type StrategyName } from "skopush";

// Issue #6: every strategy pushes through the Harbor-style token registry with credentials from each
// provider, composed the way users compose them; the digest read back must match.

let env: TestEnvironment;
let registry: TestRegistry;
let robot: { username: string; password: string };
let work: string;
let resident: ResidentContainer;
let archive: string;
const base64 = (username: string, password: string) => Buffer.from(`${username}:${password}`).toString("base64");

const privateFile = async (path: string, content: string, mode = 0o600) => {
  await mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
  await writeFile(path, content, { mode, flag: "wx" });
};

/** Each provider family, configured to know the robot of the token registry, in a private home. */
const providers: ReadonlyArray<[name: string, make: (home: string) => Promise<CredentialsProvider>]> = [
  ["static", async () => new StaticCredentialsProvider(makeCredentials(robot.username, robot.password), registry.host)],
  ["environment", async () => new EnvironmentCredentialsProvider({ env: { SKOPUSH_USERNAME: robot.username, SKOPUSH_PASSWORD: robot.password } })],
  [
    "docker-config",
    async (home) => {
      await privateFile(join(home, ".docker", "config.json"), JSON.stringify({ auths: { [registry.host]: { auth: base64(robot.username, robot.password) } } }));
      return new DockerConfigCredentialsProvider({ homeDir: home, env: {} });
    },
  ],
  [
    "credential-helper",
    async (home) => {
      const answer = join(home, "answer.json");
      await privateFile(answer, JSON.stringify({ ServerURL: registry.host, Username: robot.username, Secret: robot.password }));
      await privateFile(join(home, "bin", "docker-credential-skopushmatrix"), `#!/bin/sh\ncat >/dev/null\ncat "${answer}"\n`, 0o700);
      await privateFile(join(home, ".docker", "config.json"), JSON.stringify({ credHelpers: { [registry.host]: "skopushmatrix" } }));
      return new DockerConfigCredentialsProvider({ homeDir: home, env: { PATH: `${join(home, "bin")}:/usr/bin:/bin` } });
    },
  ],
  [
    "containers-auth",
    async (home) => {
      const file = join(home, "auth.json");
      await privateFile(file, JSON.stringify({ auths: { [`${registry.host}/${env.harbor.project}`]: { auth: base64(robot.username, robot.password) } } }));
      return new ContainersAuthCredentialsProvider({ homeDir: home, env: { REGISTRY_AUTH_FILE: file }, uid: 99_999 });
    },
  ],
  [
    "harbor",
    async () =>
      new HarborCredentialsProvider({
        url: env.harbor.url,
        registry: registry.host,
        tls: { caFile: env.harbor.caFile },
        credentials: robot,
      }),
  ],
];

const strategies: ReadonlyArray<StrategyName> = ["docker-exec", "dockerode", "native", "registry"];

beforeAll(async () => {
  env = await loadTestEnvironment();
  registry = env.registry("token");
  robot = env.harbor.accounts.robot;
  work = await mkdtemp(join(tmpdir(), "skopush-matrix-"));
  await chmod(work, 0o700);
  archive = join(work, "image.tar");
  await writeImageArchive(archive, { format: "docker-legacy", layers: 2, layerSize: 64 * 1024, seed: `matrix-${randomBytes(4).toString("hex")}` });
  resident = await startResidentContainer({ image: env.skopeoImage, namePrefix: "skopush-matrix" });
});

afterAll(async () => {
  await resident?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(strategies)("the %s strategy pushes through the token registry", (strategy) => {
  it.each(providers)("with credentials from the %s provider", async (providerName, make) => {
    const home = await mkdtemp(join(work, `${strategy}-${providerName}-`));
    const provider = await make(home);
    const container = createDefaultContainer({
      order: [strategy],
      credentialsProviders: false,
      extraCredentialsProviders: [provider],
      strategies: {
        "docker-exec": { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } },
        dockerode: { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } },
      },
    });
    const repository = `${env.harbor.project}/matrix-${strategy}`;
    const tag = providerName;
    const result = await resolvePusher(container).push({
      archive,
      destination: `${registry.host}/${repository}:${tag}`,
      tls: { verify: true, caFile: registry.caFile },
    });
    expect(result, result.status === "error" ? result.message : "").toMatchObject({ status: "success", method: strategy });
    const stored = await readManifest(registry, repository, tag);
    expect(result.status === "success" && result.digest).toBe(stored.digest);
    expect(await readdir(resident.sharedDir)).toEqual([]);
  });
});

// A wrong password through a Harbor-style token service: skopeo only sees "denied" (the token service
// hands out an anonymous token), so the default container's credentials verifier asks the token service
// about the credentials alone and reports AuthenticationFailed, after one attempt. A missing project with
// good credentials stays AccessDenied.
describe.each(strategies)("the %s strategy, denied by the token registry", (strategy) => {
  const pushAs = (username: string, password: string, repository: string) =>
    resolvePusher(
      createDefaultContainer({
        order: [strategy],
        credentialsProviders: false,
        extraCredentialsProviders: [new StaticCredentialsProvider(makeCredentials(username, password), registry.host)],
        strategies: {
          "docker-exec": { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } },
          dockerode: { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } },
        },
      }),
    ).push({ archive, destination: `${registry.host}/${repository}:denied`, tls: { verify: true, caFile: registry.caFile } });

  it("reports a wrong password as AuthenticationFailed, after one attempt, and pushes nothing", async () => {
    const repository = `${env.harbor.project}/matrix-denied-${strategy}-${randomBytes(4).toString("hex")}`;
    const result = await pushAs(robot.username, "wrong:pa$$word", repository);
    expect(result).toMatchObject({ status: "error", error: "AuthenticationFailed", retryable: false });
    expect(result.attempts).toHaveLength(1);
    expect(result.status === "error" && result.message).toMatch(/authentication to .* failed for user "robot\$.*Fix: /);
    expect(JSON.stringify(result)).not.toContain("wrong:pa$$word");
    // Read from the registry's storage: no account, no network error to mistake for "not there".
    expect(storedTags(registry, repository)).toEqual([]);
    expect(await readdir(resident.sharedDir)).toEqual([]);
  });

  it("keeps AccessDenied for good credentials and a project that does not exist", async () => {
    const result = await pushAs(robot.username, robot.password, `${env.harbor.missingProject}/matrix-${strategy}`);
    expect(result).toMatchObject({ status: "error", error: "AccessDenied" });
    expect(result.attempts).toHaveLength(1);
  });
});
