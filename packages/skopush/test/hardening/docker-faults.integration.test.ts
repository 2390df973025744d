import { mkdir, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PushResult } from "@skopush/core";
import { listTags, loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import {
  entriesOf,
  startPrivateDockerd,
  startRegistryProxy,
  startResidentContainer,
  tagIntegrityProblems,
  type PrivateDockerd,
  type RegistryProxy,
  type ResidentContainer,
} from "@skopush/testkit/hardening";
import { createDefaultContainer, pushImage, type StrategyName } from "skopush";
import { describeResult, scratch, settingsFor, uniqueImage, uniqueRepository, waitUntil } from "./support.js";

// The Docker daemon goes away before and during pushes, and the resident container dies under one. These
// faults stop shared parts, so they happen to a PRIVATE daemon (its own socket, data and exec roots, no
// bridge, no iptables) holding a copy of the skopeo image; the shared daemon is never touched. The
// registry is the shared `plain` one behind a throttling proxy, so a push is still uploading when the fault hits.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let dockerd: PrivateDockerd;
let resident: ResidentContainer;
let proxy: RegistryProxy;
let tempDirectory: string;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = await scratch("docker-faults");
  // Short: the daemon's socket paths must stay under 108 bytes.
  dockerd = await startPrivateDockerd({ dir: await mkdtemp("/tmp/skp-dd-"), images: [environment.skopeoImage] });
  resident = await startResidentContainer({ image: environment.skopeoImage, dockerHost: dockerd.host });
  proxy = await startRegistryProxy({ upstream: environment.registry("plain").url, bodyBytesPerSecond: 4 << 20 });
  tempDirectory = join(work.dir, "tmp");
  await mkdir(tempDirectory);
}, 300_000);

afterAll(async () => {
  await proxy?.close();
  await resident?.remove().catch(() => undefined);
  await dockerd?.remove();
  await work?.cleanup();
}, 300_000);

// Every test starts with the daemon and the container up, whatever the previous one did to them.
beforeEach(async () => {
  await dockerd.start();
  await resident.start();
}, 120_000);

const registry = () => environment.registry("plain");

/** Pushes a fresh image through the proxy with the default chain (or `order`), the private daemon as DOCKER_HOST. */
const push = async (label: string, order?: ReadonlyArray<StrategyName>, layerSize = 256 << 10) => {
  const image = await uniqueImage(work.dir, label, { layers: 2, layerSize });
  const repository = uniqueRepository(label);
  const container = createDefaultContainer({
    order,
    strategies: settingsFor(resident, { tempDirectory, cacheDirectory: join(work.dir, "cache") }),
    env: { ...process.env, DOCKER_HOST: dockerd.host },
    credentialsProviders: false,
  });
  const result = pushImage({ container, archive: image.path, destination: `${proxy.host}/${repository}:v1`, tls: { verify: false }, retry: { times: 1, baseDelayMs: 200 } });
  return { image, repository, result };
};

const uploadedBytes = (repository: string) =>
  proxy.requests.filter((r) => r.path.includes(`/${repository}/blobs/uploads/`)).reduce((sum, r) => sum + r.bodyBytes, 0);

/** The pushed manifest is the one the registry serves, and every blob it names is there. */
const expectLanded = async (result: PushResult, repository: string, configDigest: string) => {
  expect(result.status, describeResult(result)).toBe("success");
  const stored = await readManifest(registry(), repository, "v1");
  expect(result.status === "success" && result.digest).toBe(stored.digest);
  expect(stored.json.config?.digest).toBe(configDigest);
  expect(await tagIntegrityProblems(registry(), repository)).toEqual([]);
};

/** Nothing of the push is left in the shared directory or the native temp directory. */
const expectNothingLeft = () => {
  expect(resident.leftovers()).toEqual([]);
  expect(entriesOf(tempDirectory)).toEqual([]);
};

describe("the Docker daemon is stopped before a push", () => {
  it("the default chain falls through to native; each container strategy's attempt says the daemon does not answer", async () => {
    await dockerd.stop();
    const pushing = await push("daemon-down");
    const { image, repository } = pushing;
    const result = await pushing.result;
    await expectLanded(result, repository, image.configDigest);
    if (result.status !== "success") return;
    expect(result.method).toBe("native");
    expect(result.attempts.map((a) => [a.strategy, a.outcome, a.error])).toEqual([
      ["docker-exec", "unavailable", "StrategyUnavailable"],
      ["dockerode", "unavailable", "StrategyUnavailable"],
      ["native", "success", undefined],
    ]);
    expect(result.attempts[0]?.reason).toMatch(/Docker daemon does not answer/);
    expect(result.attempts[0]?.reason).toContain("Fix: ");
    expect(result.attempts[1]?.reason).toContain(dockerd.socket);
    expectNothingLeft();
  });

  it("without native, the registry strategy pushes", async () => {
    await dockerd.stop();
    const pushing = await push("daemon-down-registry", ["docker-exec", "dockerode", "registry"]);
    const { image, repository } = pushing;
    const result = await pushing.result;
    await expectLanded(result, repository, image.configDigest);
    expect(result.status === "success" && result.method).toBe("registry");
    expect(result.attempts.slice(0, 2).map((a) => a.outcome)).toEqual(["unavailable", "unavailable"]);
    expectNothingLeft();
  });
});

/** Faults that hit a container strategy while skopeo uploads; the chain falls through to native. */
describe.each<"docker-exec" | "dockerode">(["docker-exec", "dockerode"])("%s: the environment fails under a running push", (strategy) => {
  const underFault = async (label: string, fault: () => Promise<void>) => {
    // 32 MiB at 4 MiB/s: seconds of upload left when the fault hits, however slow the daemon is to stop.
    const pushing = await push(`${label}-${strategy}`, [strategy, "native"], 16 << 20);
    await waitUntil(() => uploadedBytes(pushing.repository) >= 2 << 20, "skopeo in the container to upload 2 MiB");
    await fault();
    const result = await pushing.result;
    const first = result.attempts[0];
    // Fell through: the container strategy's attempt records why, native pushed, and the one tag is native's.
    expect(result.attempts.map((a) => [a.strategy, a.outcome, a.error]), describeResult(result)).toEqual([
      [strategy, "failed", "EnvironmentFault"],
      ["native", "success", undefined],
    ]);
    expect(result.status === "success" && result.method).toBe("native");
    await expectLanded(result, pushing.repository, pushing.image.configDigest);
    expect(await listTags(registry(), pushing.repository)).toEqual(["v1"]);
    expectNothingLeft();
    return { result, first };
  };

  it("the daemon is stopped: an EnvironmentFault naming the daemon or the container, a fall-through, nothing left in the shared directory", async () => {
    const { first } = await underFault("daemon-stopped", () => dockerd.stop());
    // Seen before the daemon's socket closed: its container stopped; after: the daemon does not answer.
    expect(first?.reason).toMatch(/the Docker daemon (?:at \S+ )?does not answer|container \S+ stopped under the push/);
    expect(first?.reason).toContain("Fix: ");
  });

  it("the resident container is killed: an EnvironmentFault naming the container, a fall-through, nothing left in the shared directory", async () => {
    const { first } = await underFault("container-killed", () => resident.kill());
    expect(first?.reason).toContain(`container ${resident.name} stopped under the push (skopeo ended with exit code 137, killed by SIGKILL)`);
    expect(first?.reason).toContain(`Fix: start it again (docker start ${resident.name}`);
  });
});
