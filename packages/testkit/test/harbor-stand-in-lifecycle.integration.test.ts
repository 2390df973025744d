import { readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  hostSkopeoPush,
  loadTestEnvironment,
  readManifest,
  restartRegistry,
  startTestEnvironment,
  stopTestEnvironment,
  type StartedTestEnvironment,
  type TestEnvironment,
} from "@skopush/testkit/environment";
import { libtrustKeyId } from "@skopush/testkit/harbor";
import { privateTempDir, uniqueTag, writeSmokeArchive } from "./environment-support.js";

// A private environment with only the token registry and its Harbor stand-in, in its own state directory.
// The tests run in a random order, each from an environment brought up again (a start reuses what runs).
let stateDir: string;
let archive: string;
let first: StartedTestEnvironment;
let current: TestEnvironment;
const start = () => startTestEnvironment({ stateDir, registries: ["token"], skopeoImage: false });

const isAlive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

beforeAll(async () => {
  stateDir = await privateTempDir("skopush-env-token-");
  archive = join(stateDir, "image.tar");
  await writeSmokeArchive(archive, "token-lifecycle");
  first = await start();
});

beforeEach(async () => {
  current = (await start()).environment;
});

afterAll(async () => {
  if (stateDir) {
    await stopTestEnvironment({ stateDir });
    await rm(stateDir, { recursive: true, force: true });
  }
});

describe.shuffle("a private environment with the token registry", () => {
  it("starts the Harbor stand-in first and a registry whose config trusts its token service", () => {
    const { environment, started } = first;
    expect(started).toMatchObject({ registries: ["token"], harborStandIn: true });
    const config = readFileSync(environment.registry("token").configFile, "utf8");
    expect(config).toContain(`realm: "${environment.harbor.url}/service/token"`);
    expect(config).toContain('service: "harbor-registry"');
    expect(config).toContain('issuer: "harbor-token-issuer"');
    // The bundle's certificate holds the key whose libtrust ID the stand-in puts in every token's kid.
    const bundle = readFileSync(join(stateDir, "certs", "token-signer.crt"), "utf8");
    expect(libtrustKeyId(readFileSync(join(stateDir, "certs", "token-signer.key"), "utf8"))).toBe(libtrustKeyId(bundle));
    for (const file of ["certs/token-signer.key", "harbor-stand-in/config.json"]) {
      expect(statSync(join(stateDir, file)).mode & 0o077).toBe(0);
    }
  });

  it("reuses both on a second start, keeping the accounts", async () => {
    const again = await start();
    expect(again.started).toMatchObject({ registries: [], harborStandIn: false });
    expect(again.environment.harbor.accounts).toEqual(first.environment.harbor.accounts);
    expect(again.environment.harbor.pid).toBe(current.harbor.pid);
    expect(again.environment.registry("token").pid).toBe(current.registry("token").pid);
  });

  it("serves pushes again after the registry restarts on its port", async () => {
    const registry = await restartRegistry("token", { stateDir });
    const env = await loadTestEnvironment({ stateDir });
    const tag = uniqueTag("restart");
    const push = await hostSkopeoPush({ archive, registry, repository: "skopush/lifecycle", tag, credentials: env.harbor.accounts.robot });
    expect((await readManifest(registry, "skopush/lifecycle", tag)).digest).toBe(push.digest);
  });

  it("stops the stand-in with the environment, and load then fails", async () => {
    const pid = (await loadTestEnvironment({ stateDir })).harbor.pid!;
    await stopTestEnvironment({ stateDir });
    expect(isAlive(pid)).toBe(false);
    await expect(loadTestEnvironment({ stateDir })).rejects.toMatchObject({ _tag: "TestEnvironmentError" });
  });
});
