import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultRetrySettings } from "@skopush/core";
import { blobExists, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { startMisbehavingTlsRegistry, type MisbehavingRegistry } from "@skopush/testkit/hardening";
import { pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";

// Resume, don't restart: a connection cut at ~70 % of a large layer costs at most one chunk, not the
// layer. The layer is random (incompressible), so its compressed size is its size plus a few headers.
let work: Awaited<ReturnType<typeof scratch>>;
let env: TestEnvironment;
let registry: TestRegistry;
let image: ImageArchiveMetadata;
let server: MisbehavingRegistry | undefined;

const CHUNK = 16 << 20;
const LAYER = 96 << 20;
/** The PATCH of the chunk holding 70 % of the layer (64–80 MiB), cut 3 MiB in: at 67 MiB, 70 %. */
const CUT_AT = 4 * CHUNK;
const cutsTheFifthChunk = (req: { method?: string | undefined; headers: Record<string, string | string[] | undefined> }): boolean =>
  req.method === "PATCH" && String(req.headers["content-range"] ?? "").startsWith(`${CUT_AT}-`);

beforeAll(async () => {
  work = await scratch("resume");
  env = await loadTestEnvironment();
  registry = env.registry("tls");
  image = await writeImageArchive(join(work.dir, "large.tar"), { format: "docker-legacy", layers: 1, layerSize: LAYER, compressibility: "random", seed: `resume-${Date.now()}` });
});
afterAll(() => work?.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const startServer = async () =>
  (server = await startMisbehavingTlsRegistry(env, { rules: [{ when: cutsTheFifthChunk, act: { kind: "cut-request-body", afterBytes: 3 << 20 }, times: 1 }] }));

/** Body bytes the client got across to the blob uploads of `repository` (cut bodies included). */
const uploadBytes = (proxy: MisbehavingRegistry, repository: string): number =>
  proxy.requests.filter((r) => r.path.includes(`/${repository}/blobs/uploads/`)).reduce((sum, r) => sum + r.bodyBytes, 0);

describe("the registry strategy resumes an interrupted upload", () => {
  it("a connection cut at 70 % of a 96 MiB layer re-sends at most one chunk; the digest reads back", async () => {
    const proxy = await startServer();
    const repository = uniqueRepository("resume");
    const strategy = strategyIn(work.dir, { resumeChunkBytes: CHUNK });
    const outcome = await pushOk(strategy, requestFor(registry, image.path, `${repository}:v1`, { host: proxy.host, retry: { ...defaultRetrySettings, times: 2, baseDelayMs: 100 } }));

    // The cut happened, inside the layer's fifth chunk.
    expect(proxy.requests.filter((r) => r.handling === "cut-request-body")).toHaveLength(1);
    const back = await readManifest(registry, repository, "v1");
    expect(back.digest).toBe(outcome.digest);
    const layer = (JSON.parse(back.body.toString("utf8")) as { layers: Array<{ digest: string; size: number }> }).layers[0]!;
    expect(layer.size).toBeGreaterThan(LAYER);
    expect(await blobExists(registry, repository, layer.digest)).toBe(true);
    // Everything sent once, plus at most the chunk the cut broke.
    const resent = uploadBytes(proxy, repository) - layer.size - image.configSize;
    expect(resent).toBeGreaterThan(0);
    expect(resent).toBeLessThanOrEqual(CHUNK);
    // The retry asked the session's status, then continued it: its next PATCH starts where the cut chunk did.
    const patches = proxy.requests.filter((r) => r.method === "PATCH");
    const cut = patches.findIndex((r) => r.handling === "cut-request-body");
    expect(proxy.requests.some((r) => r.method === "GET" && r.path.includes("/blobs/uploads/"))).toBe(true);
    expect(patches.length).toBe(Math.ceil(layer.size / CHUNK) + 1);
    expect(cut).toBe(4);
  });
});
