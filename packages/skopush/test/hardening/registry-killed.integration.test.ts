import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProgressEvent, PushResult } from "@skopush/core";
import {
  listTags,
  loadTestEnvironment,
  readManifest,
  restartRegistry,
  startTestEnvironment,
  stopTestEnvironment,
  type TestEnvironment,
} from "@skopush/testkit/environment";
import {
  entriesOf,
  killRegistry,
  startRegistryProxy,
  startResidentContainer,
  tagIntegrityProblems,
  type RegistryProxy,
  type ResidentContainer,
} from "@skopush/testkit/hardening";
import { createDefaultContainer, pushImage, type StrategyName } from "skopush";
import { describeResult, scratch, settingsFor, uniqueImage, uniqueRepository, waitUntil } from "./support.js";

// The registry behind a push dies (SIGKILL) while blobs upload, then comes back on the same port with the
// same storage. Back within seconds, every strategy finishes the push by retrying; gone for good, it fails
// with a typed error that says what to do. No tag may ever point at content the registry does not have. The registry strategy's own, finer test
// (retries visible on the wire, percent never going back) is strategy-registry/test/faults.integration.test.ts;
// here it runs through the default container like the others.
//
// A private environment: killing its registry cannot disturb the test files pushing to the shared ones.

/** Errors a push may end with when its registry died under it: each says what happened and what to do. */
const REGISTRY_FAULT_TAGS = ["RegistryUnreachable", "RegistryError", "Timeout"];

let work: Awaited<ReturnType<typeof scratch>>;
let stateDir: string;
let env: TestEnvironment;
let resident: ResidentContainer;
let proxy: RegistryProxy;

beforeAll(async () => {
  work = await scratch("registry-killed");
  stateDir = join(work.dir, "env");
  env = (await startTestEnvironment({ stateDir, registries: ["plain"], skopeoImage: false })).environment;
  resident = await startResidentContainer({ image: (await loadTestEnvironment()).skopeoImage });
  // Throttled, so the upload is still running when the registry dies.
  proxy = await startRegistryProxy({ upstream: env.registry("plain").url, bodyBytesPerSecond: 8 << 20 });
});

afterAll(async () => {
  await proxy?.close();
  await resident?.remove();
  if (stateDir) await stopTestEnvironment({ stateDir }).catch(() => undefined);
  await work?.cleanup();
});

/** Body bytes the proxy forwarded for `repository` so far. */
const uploadedBytes = (repository: string) =>
  proxy.requests.filter((r) => r.path.includes(`/${repository}/blobs/uploads/`)).reduce((sum, r) => sum + r.bodyBytes, 0);

const pushThroughProxy = async (strategy: StrategyName, label: string, retry: { times: number; baseDelayMs: number; maxDelayMs: number }) => {
  const image = await uniqueImage(work.dir, `${label}-${strategy}`, { layers: 2, layerSize: 12 << 20 });
  const repository = uniqueRepository(`${label}-${strategy}`);
  const tempDirectory = join(work.dir, `tmp-${label}-${strategy}`);
  const { mkdir } = await import("node:fs/promises");
  await mkdir(tempDirectory);
  const events: ProgressEvent[] = [];
  const container = createDefaultContainer({
    order: [strategy],
    strategies: settingsFor(resident, { tempDirectory, cacheDirectory: join(work.dir, "cache") }),
    credentialsProviders: false,
  });
  const result = pushImage({
    container,
    archive: image.path,
    destination: `${proxy.host}/${repository}:v1`,
    tls: { verify: false },
    retry,
    onProgress: (event) => events.push(event),
  });
  return { image, repository, tempDirectory, events, result };
};

describe.each<StrategyName>(["native", "docker-exec", "dockerode"])("%s: the registry is killed mid-push", (strategy) => {
  it("and restarted: the push completes by retrying (skopeo does not retry a cut connection; skopush does); every tagged blob exists", async () => {
    // Retries enough to outlast a slow restart on a loaded machine (about 12 s of backoff).
    const push = await pushThroughProxy(strategy, "restarted", { times: 6, baseDelayMs: 500, maxDelayMs: 3_000 });
    await waitUntil(() => uploadedBytes(push.repository) >= 4 << 20, "4 MiB of blob data to reach the registry");
    await killRegistry("plain", { stateDir });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await restartRegistry("plain", { stateDir });
    const result: PushResult = await push.result;

    // The upload really broke.
    expect(proxy.requests.some((r) => r.path.includes(push.repository) && r.status === 0)).toBe(true);
    expect(result.status, describeResult(result)).toBe("success");
    const stored = await readManifest(env.registry("plain"), push.repository, "v1");
    expect(result.status === "success" && result.digest).toBe(stored.digest);
    expect(stored.json.config?.digest).toBe(push.image.configDigest);
    expect(await tagIntegrityProblems(env.registry("plain"), push.repository)).toEqual([]);
    expect(entriesOf(push.tempDirectory)).toEqual([]);
    expect(resident.leftovers()).toEqual([]);
  });

  it("and stays away: the push fails with a typed error that says what to do, and tags nothing", async () => {
    const push = await pushThroughProxy(strategy, "gone", { times: 1, baseDelayMs: 200, maxDelayMs: 400 });
    await waitUntil(() => uploadedBytes(push.repository) >= 4 << 20, "4 MiB of blob data to reach the registry");
    await killRegistry("plain", { stateDir });
    let result: PushResult;
    try {
      result = await push.result;
    } finally {
      await restartRegistry("plain", { stateDir });
    }
    expect(result.status, describeResult(result)).toBe("error");
    if (result.status === "error") {
      expect(REGISTRY_FAULT_TAGS, describeResult(result)).toContain(result.error);
      expect(result.message).toContain("Fix: ");
    }
    expect(await listTags(env.registry("plain"), push.repository)).toEqual([]);
    expect(entriesOf(push.tempDirectory)).toEqual([]);
    expect(resident.leftovers()).toEqual([]);
  });
});
