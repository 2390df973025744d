import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { startRegistryProxy, type RegistryProxy } from "@skopush/testkit/hardening";
import { createDefaultContainer, pushMany, type PushPlan } from "skopush";

// Issue 18.4: one push-many of images sharing a base layer, against the real basic registry (TLS with the
// test CA, Basic auth) through a recording proxy: every tag read back, the base blob uploaded once.

const IMAGES = 5;
const BASE_BYTES = 4 * 1024 * 1024;
const OWN_BYTES = 64 * 1024;

let env: TestEnvironment;
let registry: TestRegistry;
let work: string;
let proxy: RegistryProxy;
let plan: PushPlan;
const run = randomBytes(4).toString("hex");
const repositoryOf = (i: number) => `many/app-${run}-${i}`;

/** The registry strategy alone, with no blob-info cache on disk: what is shared is shared in this process. */
const settings = () => ({
  container: createDefaultContainer({ order: ["registry"], strategies: { registry: { blobInfoCacheDir: false } }, credentialsProviders: false }),
  credentials: registry.credentials,
  tls: { verify: true, caFile: registry.caFile },
  concurrency: IMAGES,
});

/** The digests of blob uploads the proxy saw completed (`PUT …/blobs/uploads/…?digest=`), one entry per upload. */
const completedUploads = (from = 0) =>
  proxy.requests
    .slice(from)
    .filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"))
    .map((r) => new URLSearchParams(r.path.slice(r.path.indexOf("?") + 1)).get("digest"));

beforeAll(async () => {
  env = await loadTestEnvironment();
  registry = env.registry("basic");
  work = mkdtempSync(join(tmpdir(), "skopush-many-it-"));
  const items = [];
  for (let i = 0; i < IMAGES; i++) {
    const archive = await writeImageArchive(join(work, `app-${i}.tar`), {
      format: "docker-legacy",
      layers: 2,
      layerSize: [BASE_BYTES, OWN_BYTES],
      seed: `many-${run}-${i}`,
      baseSeed: `many-base-${run}`,
    });
    items.push({ archive: archive.path, destination: `PROXY/${repositoryOf(i)}:v1` });
  }
  proxy = await startRegistryProxy({
    upstream: registry.url,
    caFile: registry.caFile,
    tls: { certFile: env.state.certificates.serverCert, keyFile: env.state.certificates.serverKey },
  });
  plan = { items: items.map((item) => ({ ...item, destination: item.destination.replace("PROXY", proxy.host) })) };
});

afterAll(async () => {
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("pushMany against the basic registry", () => {
  it("pushes every image, each tag holding the reported digest, the shared base uploaded once", async () => {
    const report = await pushMany(plan, settings());
    expect(report.items.map((item) => [item.status, item.message])).toEqual(plan.items.map(() => ["pushed", undefined]));
    const manifests = await Promise.all(plan.items.map((_, i) => readManifest(registry, repositoryOf(i), "v1")));
    expect(report.items.map((item) => item.digest)).toEqual(manifests.map((manifest) => manifest.digest));
    const bases = new Set(manifests.map((manifest) => manifest.json.layers?.[0]?.digest));
    expect(bases.size).toBe(1);
    const base = [...bases][0] as string;
    const uploads = completedUploads();
    expect(uploads.filter((digest) => digest === base)).toHaveLength(1);
    // Each image's own layer and config were uploaded; the base went up once and was mounted by the four others.
    expect(uploads).toHaveLength(1 + 2 * IMAGES);
    const mounts = proxy.requests.filter((r) => r.method === "POST" && r.path.includes(`mount=${encodeURIComponent(base)}`));
    expect(mounts.length).toBeGreaterThanOrEqual(IMAGES - 1);
    expect(report.totals).toMatchObject({ items: IMAGES, pushed: IMAGES, failed: 0, uploadedBlobs: 1 + 2 * IMAGES, skippedBlobs: IMAGES - 1 });
    // Random content does not compress: sending the base twice would be at least 2 × 4 MiB.
    expect(report.totals.bytesPushed).toBeLessThan(2 * BASE_BYTES);
    expect(report.totals.bytesPushed).toBeGreaterThan(BASE_BYTES);
  });

  it("a re-run uploads nothing and says every blob was skipped", async () => {
    const before = proxy.requests.length;
    const report = await pushMany(plan, settings());
    expect(report.ok).toBe(true);
    expect(completedUploads(before)).toEqual([]);
    expect(proxy.requests.slice(before).filter((r) => r.method === "PATCH")).toEqual([]);
    expect(report.totals).toMatchObject({ pushed: IMAGES, uploadedBlobs: 0, skippedBlobs: 3 * IMAGES });
    const manifests = await Promise.all(plan.items.map((_, i) => readManifest(registry, repositoryOf(i), "v1")));
    expect(report.items.map((item) => item.digest)).toEqual(manifests.map((manifest) => manifest.digest));
  });
});
