import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushResult } from "@skopush/core";
import { loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import {
  entriesOf,
  isRunning,
  listProcesses,
  processInfo,
  startProcessSampler,
  startResidentContainer,
  type ProcessSamplerReport,
  type ResidentContainer,
} from "@skopush/testkit/hardening";
import type { ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { createDefaultContainer, pushImage } from "skopush";
import { describeResult, scratch, uniqueImage, uniqueRepository } from "./support.js";

// Many pushes at once through one composition: 32 different images through the default chain (one
// container built by createDefaultContainer, as a backend holds one), and 16 through one resident skopeo
// container (docker-exec). Every push must land with the digest the registry serves; memory stays within
// a generous bound (the measured peak is printed); nothing is left afterwards: no temp file, no file in the
// shared directory, no child process, no file descriptor.

const MiB = 1 << 20;
let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = await scratch("load");
  resident = await startResidentContainer({ image: environment.skopeoImage });
});

afterAll(async () => {
  await resident?.remove();
  await work?.cleanup();
});

const openFileDescriptors = () => readdirSync("/proc/self/fd").length;

/** The registries the pushes spread over, with what each needs. */
const targets = (): ReadonlyArray<{ registry: TestRegistry; credentials?: { username: string; password: string } }> => [
  { registry: environment.registry("tls") },
  { registry: environment.registry("basic"), credentials: environment.registry("basic").credentials },
  { registry: environment.registry("plain") },
];

const pushAll = async (images: ReadonlyArray<ImageArchiveMetadata>, container: ReturnType<typeof createDefaultContainer>, label: string) => {
  const jobs = images.map((image, i) => {
    const target = targets()[i % targets().length]!;
    const repository = uniqueRepository(`${label}-${i}`);
    const tls = target.registry.scheme === "https" ? { caFile: target.registry.caFile } : { verify: false };
    const result = pushImage({ container, archive: image.path, destination: `${target.registry.host}/${repository}:v1`, credentials: target.credentials, tls });
    return { image, repository, registry: target.registry, result };
  });
  const results = await Promise.all(jobs.map((job) => job.result));
  return jobs.map((job, i) => ({ ...job, result: results[i] as PushResult }));
};

/** Every push landed: the digest it reported is the manifest the registry serves, whose config is the image's. */
const expectAllLanded = async (pushed: Awaited<ReturnType<typeof pushAll>>) => {
  const failures = pushed.filter((p) => p.result.status !== "success").map((p) => describeResult(p.result));
  expect(failures).toEqual([]);
  for (const { result, registry, repository, image } of pushed) {
    const stored = await readManifest(registry, repository, "v1");
    expect(result.status === "success" && result.digest).toBe(stored.digest);
    expect(stored.json.config?.digest).toBe(image.configDigest);
  }
  expect(new Set(pushed.map((p) => p.result.status === "success" && p.result.digest)).size).toBe(pushed.length);
};

/** No child the sampler saw is still running (a pid reused since would show another command line). */
const survivors = (seen: ProcessSamplerReport) =>
  seen.descendants.filter((child) => isRunning(child.pid) && processInfo(child.pid)?.cmdline === child.cmdline).map((child) => `${child.pid} ${child.cmdline}`);

const rssOfThisProcess = () => processInfo(process.pid)?.rssBytes ?? 0;

const report = (label: string, seen: ProcessSamplerReport, baselineBytes: number) =>
  console.info(
    `[load] ${label}: peak RSS ${(seen.peakRssBytes / MiB).toFixed(0)} MiB in all; this process ${(seen.peakRootRssBytes / MiB).toFixed(0)} MiB ` +
      `(${(baselineBytes / MiB).toFixed(0)} MiB before); at most ${seen.peakDescendants} child processes at once; ${seen.samples} samples`,
  );

describe("load", () => {
  it("32 different images at once through the default chain (one createDefaultContainer): all land, memory bounded, nothing left", async () => {
    const images = await Promise.all(Array.from({ length: 32 }, (_, i) => uniqueImage(work.dir, `chain-${i}`, { layers: 2, layerSize: 2 * MiB })));
    const tempDirectory = join(work.dir, "tmp-chain");
    const cacheDirectory = join(work.dir, "cache-chain");
    await mkdir(tempDirectory);
    await mkdir(cacheDirectory);
    // The default chain on a machine without the resident container: docker-exec and dockerode are
    // unavailable (their probe answers are cached and shared by all 32), native pushes.
    const absent = `skopush-load-absent-${randomBytes(4).toString("hex")}`;
    const container = createDefaultContainer({
      strategies: {
        "docker-exec": { containerName: absent, sharedDir: { hostPath: resident.sharedDir } },
        dockerode: { containerName: absent, sharedDir: { hostPath: resident.sharedDir } },
        native: { tempDirectory },
        registry: { blobInfoCacheDir: cacheDirectory },
      },
      credentialsProviders: false,
    });
    const fdsBefore = openFileDescriptors();
    const rssBefore = rssOfThisProcess();
    const sampler = startProcessSampler({ intervalMs: 100 });
    const pushed = await pushAll(images, container, "chain");
    const seen = await sampler.stop();
    report("32 pushes, default chain", seen, rssBefore);

    await expectAllLanded(pushed);
    for (const { result } of pushed) {
      expect(result.status === "success" && result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
        ["docker-exec", "unavailable"],
        ["dockerode", "unavailable"],
        ["native", "success"],
      ]);
    }
    // The skopeo processes really ran side by side.
    expect(seen.peakDescendants).toBeGreaterThanOrEqual(8);
    // Generous: 32 skopeo processes take ~30-60 MiB each; skopush itself streams, holding no archive in memory.
    expect(seen.peakRssBytes).toBeLessThan(4096 * MiB);
    expect(seen.peakRootRssBytes - rssBefore).toBeLessThan(512 * MiB);
    expect(survivors(seen)).toEqual([]);
    expect(entriesOf(tempDirectory)).toEqual([]);
    expect(resident.leftovers()).toEqual([]);
    expect(openFileDescriptors()).toBeLessThanOrEqual(fdsBefore + 8);
  });

  it("16 different images at once through one resident container (docker-exec): all land, memory bounded, nothing left", async () => {
    const images = await Promise.all(Array.from({ length: 16 }, (_, i) => uniqueImage(work.dir, `resident-${i}`, { layers: 2, layerSize: 2 * MiB })));
    const container = createDefaultContainer({
      order: ["docker-exec"],
      strategies: { "docker-exec": { containerName: resident.name, sharedDir: { hostPath: resident.sharedDir } } },
      credentialsProviders: false,
    });
    const fdsBefore = openFileDescriptors();
    const rssBefore = rssOfThisProcess();
    // This process, its docker CLI children, and the skopeo processes in the container (they show in this
    // host's /proc too, working in the shared directory's mount point).
    const inContainer = () => listProcesses().filter((p) => p.comm === "skopeo" && p.cmdline.includes("/tmp/skopeo/skopush-")).map((p) => p.pid);
    const sampler = startProcessSampler({ intervalMs: 100, alsoCount: inContainer });
    const pushed = await pushAll(images, container, "resident");
    const seen = await sampler.stop();
    report("16 pushes, one resident container", seen, rssBefore);

    await expectAllLanded(pushed);
    for (const { result } of pushed) expect(result.status === "success" && result.method).toBe("docker-exec");
    expect(seen.peakRssBytes).toBeLessThan(4096 * MiB);
    expect(seen.peakRootRssBytes - rssBefore).toBeLessThan(512 * MiB);
    expect(survivors(seen)).toEqual([]);
    expect(await resident.processes()).toEqual([]);
    expect(resident.leftovers()).toEqual([]);
    expect(openFileDescriptors()).toBeLessThanOrEqual(fdsBefore + 8);
  });
});
