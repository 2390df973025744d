import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectArchive } from "@skopush/archive";
import type { ProgressEvent } from "@skopush/core";
import {
  blobExists,
  listTags,
  readManifest,
  restartRegistry,
  startTestEnvironment,
  stopRegistry,
  stopTestEnvironment,
  type TestEnvironment,
} from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { pushFails, pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";
import { startRegistryProxy, type RegistryProxy } from "./support/registry-proxy.js";
import { skopeoCopyToArchive } from "./support/skopeo.js";

// A private environment: stopping its registry cannot disturb the test files pushing to the shared one.
let work: Awaited<ReturnType<typeof scratch>>;
let stateDir: string;
let env: TestEnvironment;
let big: ImageArchiveMetadata;
let other: ImageArchiveMetadata;
let mixed: ImageArchiveMetadata;
let ociGzip: ImageArchiveMetadata;

const RETRY = { times: 12, baseDelayMs: 200, maxDelayMs: 1_500 };

beforeAll(async () => {
  work = await scratch("faults");
  stateDir = join(work.dir, "env");
  env = (await startTestEnvironment({ stateDir, registries: ["plain"], skopeoImage: false })).environment;
  big = await writeImageArchive(join(work.dir, "big.tar"), { format: "docker-legacy", layers: 2, layerSize: 24 << 20, compressibility: "random", seed: `faults-big-${Date.now()}` });
  other = await writeImageArchive(join(work.dir, "other.tar"), { format: "docker-legacy", layers: 2, layerSize: 24 << 20, compressibility: "random", seed: `faults-other-${Date.now()}` });
  mixed = await writeImageArchive(join(work.dir, "mixed.tar"), {
    format: "docker-legacy",
    layers: 3,
    layerSize: [3 << 20, 512 << 10, 2 << 20],
    compressibility: 0.5,
    seed: `faults-mixed-${Date.now()}`,
  });
  ociGzip = await writeImageArchive(join(work.dir, "oci.tar"), { format: "oci-archive", layers: 2, layerSize: 3 << 20, compressibility: "random", seed: `faults-oci-${Date.now()}` });
});

afterAll(async () => {
  if (stateDir) await stopTestEnvironment({ stateDir }).catch(() => undefined);
  await work?.cleanup();
});

/** Resolves once the push has read `fraction` of its bytes. */
const whenProgress = (events: ProgressEvent[], fraction: number) =>
  new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const check = () => {
      const last = events.at(-1);
      if (last?.bytesDone !== undefined && last.bytesTotal !== undefined && last.bytesDone >= fraction * last.bytesTotal) resolve();
      else if (Date.now() > deadline) reject(new Error("the push never got that far"));
      else setTimeout(check, 10);
    };
    check();
  });

const pulledDiffIds = async (reference: string, name: string) => {
  const out = join(work.dir, `${name}.tar`);
  await skopeoCopyToArchive(env.registry("plain"), reference, out);
  return (await Effect.runPromise(inspectArchive(out))).diffIds;
};

describe("the registry stops during an upload", () => {
  let proxy: RegistryProxy;
  beforeAll(async () => {
    // Throttled, so the upload is still running when the registry goes away.
    proxy = await startRegistryProxy({ upstream: env.registry("plain").url, bodyBytesPerSecond: 12 << 20 });
  });
  afterAll(() => proxy?.close());

  it("completes the push by retrying once the registry is back, with intact content", async () => {
    const registry = env.registry("plain");
    const repository = uniqueRepository("restart");
    const events: ProgressEvent[] = [];
    const pushing = pushOk(strategyIn(work.dir), requestFor(registry, big.path, `${repository}:v1`, { host: proxy.host, retry: RETRY }), events);
    await whenProgress(events, 0.3);
    await stopRegistry("plain", { stateDir });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await restartRegistry("plain", { stateDir });
    const outcome = await pushing;

    expect((await readManifest(registry, repository, "v1")).digest).toBe(outcome.digest);
    const stored = await readManifest(registry, repository, "v1");
    for (const layer of stored.json.layers ?? []) expect(await blobExists(registry, repository, layer.digest)).toBe(true);
    // The upload really broke and really started again.
    expect(proxy.requests.some((r) => r.status === 0)).toBe(true);
    const starts = proxy.requests.filter((r) => r.method === "POST" && r.path.includes("/blobs/uploads/"));
    expect(starts.length).toBeGreaterThan(big.layers.length + 1);
    // Percent never went back although the broken attempts were read again.
    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(await pulledDiffIds(`${registry.host}/${repository}:v1`, "restart")).toEqual(big.diffIds);
  });

  it("fails with a typed error when the registry stays away, leaving no tag", async () => {
    const registry = env.registry("plain");
    const repository = uniqueRepository("gone");
    const failing = pushFails(
      strategyIn(work.dir, { blobInfoCacheDir: false }),
      requestFor(registry, other.path, `${repository}:v1`, { host: proxy.host, retry: { times: 2, baseDelayMs: 100, maxDelayMs: 200 } }),
    );
    // The throttled upload of 48 MiB takes seconds; stop the registry under it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stopRegistry("plain", { stateDir });
    let error: Awaited<typeof failing>;
    try {
      error = await failing;
    } finally {
      await restartRegistry("plain", { stateDir });
    }
    expect(["RegistryUnreachable", "Timeout"]).toContain(error._tag);
    expect(await listTags(registry, repository)).toEqual([]);
  });
});

describe("a proxy refuses large bodies with 413 (nginx client_max_body_size 1m)", () => {
  let proxy: RegistryProxy;
  beforeAll(async () => {
    proxy = await startRegistryProxy({ upstream: env.registry("plain").url, maxBodyBytes: 1 << 20 });
  });
  afterAll(() => proxy?.close());

  it.each([
    ["compressed on the way (streamed PATCH)", () => mixed],
    ["stored compressed (monolithic PUT)", () => ociGzip],
  ])("completes the push of layers %s in chunks of at most 1 MiB", async (_label, image) => {
    const archive = image();
    const registry = env.registry("plain");
    const repository = uniqueRepository("chunked");
    const before = proxy.requests.length;
    const outcome = await pushOk(strategyIn(work.dir), requestFor(registry, archive.path, `${repository}:v1`, { host: proxy.host, retry: RETRY }));
    const seen = proxy.requests.slice(before);

    expect(seen.some((r) => r.status === 413)).toBe(true);
    const chunks = seen.filter((r) => r.method === "PATCH" && r.contentRange !== undefined);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) {
      expect(chunk.status).toBe(202);
      expect(chunk.contentRange).toMatch(/^\d+-\d+$/);
      expect(chunk.contentLength).toBeLessThanOrEqual(1 << 20);
    }
    // Whatever got through in one request (a small layer) was within the limit.
    for (const passed of seen.filter((r) => r.bodyBytes > 0 && r.status !== 413)) expect(passed.bodyBytes).toBeLessThanOrEqual(1 << 20);
    expect((await readManifest(registry, repository, "v1")).digest).toBe(outcome.digest);
    expect(await pulledDiffIds(`${registry.host}/${repository}:v1`, `chunked-${archive.format}`)).toEqual(archive.diffIds);
  });
});
