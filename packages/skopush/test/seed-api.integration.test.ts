import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTags, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { createDefaultContainer, SkopeoPusher, skopeoPushToHarbor } from "skopush";

let environment: TestEnvironment;
let work: string;
let shared: string;
let tarFile: string;
const containerName = `skopush-seed-test-${randomBytes(4).toString("hex")}`;
const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" });
const endpoint = (registry: TestRegistry) => ({ url: registry.url, caFile: registry.caFile, credentials: registry.credentials });

/** The seed call for the basic registry (TLS with the test CA, Basic auth), to a fresh repository. */
const target = (registry: TestRegistry) => ({
  tarFile,
  harborUrl: registry.url,
  username: registry.credentials?.username,
  password: registry.credentials?.password,
  project: "seed",
  repository: `app-${randomBytes(4).toString("hex")}`,
  tag: "v1",
  caFile: registry.caFile,
});

/** The default container, pointed at this file's resident container (or a missing one). */
const containerFor = (name: string, skopeoPath?: string) =>
  createDefaultContainer({
    strategies: {
      "docker-exec": { containerName: name, sharedDir: { hostPath: shared } },
      dockerode: { containerName: name, sharedDir: { hostPath: shared } },
      native: skopeoPath === undefined ? true : { skopeoPath },
    },
  });

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = mkdtempSync(join(tmpdir(), "skopush-seed-it-"));
  shared = mkdtempSync(join(tmpdir(), "skopush-seed-share-"));
  tarFile = (await writeImageArchive(join(work, "app.tar"), { format: "docker-legacy", layers: 2, layerSize: 128 * 1024, seed: `seed-${randomBytes(4).toString("hex")}` })).path;
  docker("run", "-d", "--name", containerName, "--network", "host", "-v", `${shared}:/tmp/skopeo`, environment.skopeoImage, "tail", "-f", "/dev/null");
});

afterAll(() => {
  try {
    docker("rm", "-f", containerName);
  } catch {
    // Gone already.
  }
  rmSync(work, { recursive: true, force: true });
  rmSync(shared, { recursive: true, force: true });
});

describe("skopeoPushToHarbor against the real container, skopeo and registry", () => {
  it("pushes with docker first (skopeo in the resident container)", async () => {
    const basic = environment.registry("basic");
    const call = target(basic);
    const percents: number[] = [];
    const result = await skopeoPushToHarbor({ ...call, container: containerFor(containerName), progressCallback: (percent) => percents.push(percent) });
    expect(result, result.message).toMatchObject({ status: "success", method: "docker", strategy: "docker-exec", image: `${basic.host}/seed/${call.repository}:v1` });
    expect(result.digest).toBe((await readManifest(endpoint(basic), `seed/${call.repository}`, "v1")).digest);
    expect(percents.at(-1)).toBe(100);
    expect(readdirSync(shared)).toEqual([]);
  });

  it("falls back to native when the resident container does not exist", async () => {
    const basic = environment.registry("basic");
    const call = target(basic);
    const result = await skopeoPushToHarbor({ ...call, container: containerFor(`${containerName}-missing`) });
    expect(result, result.message).toMatchObject({ status: "success", method: "native", strategy: "native" });
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      ["docker-exec", "unavailable"],
      ["dockerode", "unavailable"],
      ["native", "success"],
    ]);
    expect(result.digest).toBe((await readManifest(endpoint(basic), `seed/${call.repository}`, "v1")).digest);
  });

  it("fails with every reason when neither docker nor native can push, and pushes nothing", async () => {
    const basic = environment.registry("basic");
    const call = target(basic);
    const result = await skopeoPushToHarbor({ ...call, container: containerFor(`${containerName}-missing`, join(work, "no-skopeo-here")) });
    expect(result.status).toBe("error");
    expect(result.error).toBe("NoStrategyAvailable");
    expect(result.message).toMatch(/docker-exec: unavailable: .*-missing/);
    expect(result.message).toMatch(/dockerode: unavailable: .*-missing/);
    expect(result.message).toMatch(/native: unavailable: .*no-skopeo-here/);
    expect(JSON.stringify(result)).not.toContain(call.password!);
    expect(await listTags(endpoint(basic), `seed/${call.repository}`)).toEqual([]);
  });

  it("verifies TLS: without the CA the push fails instead of going out unverified", async () => {
    const basic = environment.registry("basic");
    const result = await skopeoPushToHarbor({ ...target(basic), caFile: undefined, preferDocker: false });
    expect(result).toMatchObject({ status: "error", error: "TlsVerificationFailed" });
  });
});

describe("SkopeoPusher against the real container and skopeo", () => {
  it("checks and pushes with docker, with its container name", async () => {
    const basic = environment.registry("basic");
    const pusher = new SkopeoPusher({ containerName, sharedDir: shared });
    expect(await pusher.checkSkopeoAvailable()).toBe(true);
    expect(await new SkopeoPusher({ containerName: `${containerName}-missing`, sharedDir: shared }).checkSkopeoAvailable()).toBe(false);
    const call = target(basic);
    const result = await pusher.pushFromTar(call);
    expect(result, result.message).toMatchObject({ status: "success", method: "docker" });
    expect(result.digest).toBe((await readManifest(endpoint(basic), `seed/${call.repository}`, "v1")).digest);
  });

  it("pushes natively with useDocker: false", async () => {
    const basic = environment.registry("basic");
    const pusher = new SkopeoPusher({ useDocker: false });
    expect(await pusher.checkSkopeoAvailable()).toBe(true);
    const call = target(basic);
    const result = await pusher.pushFromTar(call);
    expect(result, result.message).toMatchObject({ status: "success", method: "native", strategy: "native" });
    expect(result.digest).toBe((await readManifest(endpoint(basic), `seed/${call.repository}`, "v1")).digest);
  });
});
