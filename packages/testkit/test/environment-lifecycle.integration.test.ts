import { readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  listTags,
  loadTestEnvironment,
  pingRegistry,
  readManifest,
  resetRegistryStorage,
  restartRegistry,
  startTestEnvironment,
  stopRegistry,
  stopTestEnvironment,
  type StartedTestEnvironment,
  type TestEnvironment,
} from "@skopush/testkit/environment";
import { privateTempDir, pushWithHostSkopeo, uniqueTag, writeSmokeArchive } from "./environment-support.js";

// A private environment in its own state directory: stopping and restarting its registries cannot
// disturb the shared environment other test files push to at the same time. The tests run in a random
// order, each from an environment brought up again (a start reuses what runs), so none depends on another.
let stateDir: string;
let archive: string;
let first: StartedTestEnvironment;
let current: TestEnvironment;
const start = () => startTestEnvironment({ stateDir, registries: ["plain", "basic"], skopeoImage: false });

// A registry this worker started stays a zombie until Node reaps it: that counts as stopped.
const isAlive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

beforeAll(async () => {
  stateDir = await privateTempDir("skopush-env-lifecycle-");
  archive = join(stateDir, "image.tar");
  await writeSmokeArchive(archive, "environment-lifecycle");
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

describe.shuffle("a private environment", () => {
  it("starts the registries it was asked for and creates its own CA", () => {
    expect(first.started.registries).toEqual(["plain", "basic"]);
    expect(first.started.certificatesCreated).toBe(true);
    expect(first.environment.stateDir).toBe(stateDir);
    expect(first.environment.registries.map((r) => r.kind)).toEqual(["plain", "basic"]);
    expect(() => first.environment.registry("tls")).toThrow(/not running/);
  });

  it("keeps secrets in owner-only files: a bcrypt htpasswd line, a 0600 state", () => {
    const { credentials } = first.environment.registry("basic");
    const htpasswd = readFileSync(join(stateDir, "registries/basic/htpasswd"), "utf8");
    expect(htpasswd).toMatch(/^robot\$skopush\+ci:\$2y\$05\$[./A-Za-z0-9]{53}\n$/);
    expect(htpasswd).not.toContain(credentials!.password);
    expect(statSync(join(stateDir, "state.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, "certs/ca.key")).mode & 0o777).toBe(0o600);
  });

  it("reuses live registries on a second start", async () => {
    const again = await start();
    expect(again.started).toMatchObject({ dockerd: false, registries: [], certificatesCreated: false });
    expect(again.environment.registries.map((r) => r.pid)).toEqual(current.registries.map((r) => r.pid));
  });

  it("restarts a registry that died behind its back", async () => {
    const { pid } = current.registry("basic");
    process.kill(pid!, "SIGKILL");
    const again = await start();
    expect(again.started.registries).toEqual(["basic"]);
    expect(again.environment.registry("basic").pid).not.toBe(pid);
    expect(await pingRegistry(again.environment.registry("basic"))).toBe(200);
  });

  it("restarts, stops and resets a registry on the same port, keeping storage until the reset", async () => {
    const before = (await loadTestEnvironment({ stateDir })).registry("plain");
    const tag = uniqueTag("lifecycle");
    const { digest } = await pushWithHostSkopeo(archive, before, "lifecycle/app", tag);

    const restarted = await restartRegistry("plain", { stateDir });
    expect(restarted.port).toBe(before.port);
    expect(restarted.pid).not.toBe(before.pid);
    expect(isAlive(before.pid!)).toBe(false);
    expect((await readManifest(restarted, "lifecycle/app", tag)).digest).toBe(digest);

    const stopped = await stopRegistry("plain", { stateDir });
    expect(stopped.pid).toBeUndefined();
    expect(isAlive(restarted.pid!)).toBe(false);
    await expect(pingRegistry(restarted)).rejects.toThrow(/ECONNREFUSED/);
    await expect(loadTestEnvironment({ stateDir })).rejects.toThrow(/registry plain .* is not running/);

    const back = await restartRegistry("plain", { stateDir });
    expect(back.port).toBe(before.port);
    expect((await readManifest(back, "lifecycle/app", tag)).digest).toBe(digest);

    const reset = await resetRegistryStorage("plain", { stateDir });
    expect(reset.port).toBe(before.port);
    expect(await listTags(reset, "lifecycle/app")).toEqual([]);
    await expect(readManifest(reset, "lifecycle/app", tag)).rejects.toMatchObject({ status: 404 });
  });

  it("stops everything it started", async () => {
    const env = await loadTestEnvironment({ stateDir });
    const pids = env.registries.map((r) => r.pid!);
    await stopTestEnvironment({ stateDir });
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    await expect(loadTestEnvironment({ stateDir })).rejects.toThrow(/is not up.*npm run env:up/s);
  });
});
