import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, readManifest, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { createDefaultContainer, pushMany, type PushPlan } from "skopush";

// Red team 18 (push-many): the first item of a plan claims the base layer all items share, and its copy
// of the base is corrupt, so its push fails. The items waiting for that layer must upload it themselves
// (not fail with it, not mount a blob that never landed): every other tag is read back from the registry.
// The corrupt item runs first, through the same container (so the same in-flight map); the others start
// once its base layer is on the wire, so they find its claim and wait for it.

const IMAGES = 4;
const BASE_BYTES = 32 * 1024 * 1024;

let registry: TestRegistry;
let work: string;
let plan: PushPlan;
const run = randomBytes(4).toString("hex");
const repositoryOf = (i: number) => `many/claimant-${run}-${i}`;

/** Flips one byte in the middle of the largest tar entry (the base layer): it no longer matches its diff_id. */
const corruptLargestEntry = (file: string): void => {
  const tar = readFileSync(file);
  let largest = { offset: -1, size: 0 };
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const entrySize = Number.parseInt(tar.subarray(offset + 124, offset + 136).toString("ascii").replace(/\0.*$/, "").trim() || "0", 8);
    if (entrySize > largest.size) largest = { offset, size: entrySize };
    offset += 512 + Math.ceil(entrySize / 512) * 512;
  }
  if (largest.size < BASE_BYTES) throw new Error(`no tar entry of ${BASE_BYTES} bytes or more in ${file}`);
  const at = largest.offset + 512 + largest.size - 1024;
  tar[at] = (tar[at] ?? 0) ^ 0xff;
  writeFileSync(file, tar);
};

beforeAll(async () => {
  const env = await loadTestEnvironment();
  registry = env.registry("basic");
  work = mkdtempSync(join(tmpdir(), "skopush-many-claimant-"));
  const items = [];
  for (let i = 0; i < IMAGES; i++) {
    const archive = await writeImageArchive(join(work, `app-${i}.tar`), {
      format: "docker-legacy",
      layers: 2,
      layerSize: [BASE_BYTES, 4096],
      seed: `claimant-${run}-${i}`,
      baseSeed: `claimant-base-${run}`,
    });
    if (i === 0) corruptLargestEntry(archive.path);
    items.push({ archive: archive.path, destination: `${registry.host}/${repositoryOf(i)}:v1` });
  }
  plan = { items };
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("pushMany when the push that claimed a shared layer fails", () => {
  it("fails only that item; the waiting items push the layer themselves and every tag holds the reported digest", async () => {
    const container = createDefaultContainer({ order: ["registry"], strategies: { registry: { blobInfoCacheDir: false } }, credentialsProviders: false });
    const settings = { container, credentials: registry.credentials, tls: { verify: true, caFile: registry.caFile }, retry: { times: 0 } };
    let baseOnTheWire: () => void = () => {};
    const claimed = new Promise<void>((resolve) => {
      baseOnTheWire = resolve;
    });
    const first = pushMany({ items: plan.items.slice(0, 1) }, { ...settings, onProgress: ({ event }) => (event.blob?.bytesDone ?? 0) > 1024 * 1024 && baseOnTheWire() });
    await Promise.race([claimed, first]);
    const others = await pushMany({ items: plan.items.slice(1) }, { ...settings, concurrency: IMAGES });
    const corrupt = await first;
    expect(corrupt.items[0]).toMatchObject({ status: "failed", error: "ArchiveInvalid" });
    expect(others.items.map((item) => [item.status, item.message])).toEqual(plan.items.slice(1).map(() => ["pushed", undefined]));
    const manifests = await Promise.all(plan.items.slice(1).map((_, i) => readManifest(registry, repositoryOf(i + 1), "v1")));
    expect(others.items.map((item) => item.digest)).toEqual(manifests.map((manifest) => manifest.digest));
    expect(new Set(manifests.map((manifest) => manifest.json.layers?.[0]?.digest)).size).toBe(1);
    await expect(readManifest(registry, repositoryOf(0), "v1")).rejects.toMatchObject({ status: 404 });
  });
});
