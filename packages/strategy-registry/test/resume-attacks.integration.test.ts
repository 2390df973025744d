import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRetrySettings } from "@skopush/core";
import { blobExists, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { startMisbehavingTlsRegistry, type MisbehavingRegistry, type MisbehaviourRule } from "@skopush/testkit/hardening";
import { UPLOAD_SESSIONS_DIR } from "../src/upload/upload-journal.js";
import { pushFails, pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";

// A re-run after an interrupted push meets a registry that lies about or cannot answer the session's
// status, or a journal entry that names a session of another repository: the push must still land, in
// its own repository, never failing because resuming did not work out.
let work: Awaited<ReturnType<typeof scratch>>;
let env: TestEnvironment;
let registry: TestRegistry;
let image: ImageArchiveMetadata;
const proxies: MisbehavingRegistry[] = [];

const CHUNK = 8 << 20;
const LAYER = 28 << 20;

beforeAll(async () => {
  work = await scratch("resume-attacks");
  env = await loadTestEnvironment();
  registry = env.registry("tls");
  image = await writeImageArchive(join(work.dir, "large.tar"), { format: "docker-legacy", layers: 1, layerSize: LAYER, compressibility: "random", seed: `resume-attacks-${Date.now()}` });
});
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await work?.cleanup();
});

const isStatusGet = (req: { method?: string | undefined; url?: string | undefined }): boolean => req.method === "GET" && String(req.url).includes("/blobs/uploads/");
const cutsTheThirdChunk: MisbehaviourRule = {
  when: (req) => req.method === "PATCH" && String(req.headers["content-range"] ?? "").startsWith(`${2 * CHUNK}-`),
  act: { kind: "cut-request-body", afterBytes: 1 << 20 },
  times: 1,
};

let cases = 0;
/**
 * A push of `repository` cut in the layer's third chunk with no retry: its journal (own cache directory)
 * keeps a session holding two chunks. The same proxy serves the re-run: the journal is keyed by host:port.
 */
const interrupted = async (repository: string) => {
  const root = join(work.dir, `case-${cases++}`);
  await mkdir(join(root, "cache"), { recursive: true });
  const proxy = await startMisbehavingTlsRegistry(env, { rules: [cutsTheThirdChunk] });
  proxies.push(proxy);
  const strategy = strategyIn(root, { resumeChunkBytes: CHUNK });
  await pushFails(strategy, requestFor(registry, image.path, `${repository}:v1`, { host: proxy.host, retry: { ...defaultRetrySettings, times: 0 } }));
  const dir = join(root, "cache", UPLOAD_SESSIONS_DIR);
  const [name, ...others] = (await readdir(dir)).filter((f) => f.endsWith(".json"));
  expect(others).toEqual([]);
  const file = join(dir, name!);
  const saved = JSON.parse(await readFile(file, "utf8")) as { location: string; offset: number; startedAt: number };
  expect(saved.offset).toBe(2 * CHUNK);
  return { root, proxy, file, saved };
};

/** Re-runs the push through `proxy` with `rules`; asserts the tag reads back with its layer in `repository`. */
const rerunLands = async (run: Awaited<ReturnType<typeof interrupted>>, repository: string, rules: MisbehaviourRule[]) => {
  run.proxy.setRules(rules);
  run.proxy.requests.length = 0;
  const strategy = strategyIn(run.root, { resumeChunkBytes: CHUNK });
  const outcome = await pushOk(strategy, requestFor(registry, image.path, `${repository}:v1`, { host: run.proxy.host, retry: { ...defaultRetrySettings, times: 2, baseDelayMs: 50 } }));
  const back = await readManifest(registry, repository, "v1");
  expect(back.digest).toBe(outcome.digest);
  const layer = (JSON.parse(back.body.toString("utf8")) as { layers: Array<{ digest: string; size: number }> }).layers[0]!;
  expect(layer.size).toBeGreaterThan(LAYER);
  expect(await blobExists(registry, repository, layer.digest)).toBe(true);
  return run.proxy.requests;
};

describe("a re-run of an interrupted resumable upload", () => {
  it("resumes where the registry says, re-sending less than one chunk", async () => {
    const repository = uniqueRepository("resume-plain");
    const run = await interrupted(repository);
    const requests = await rerunLands(run, repository, []);
    expect(requests.filter((r) => r.method === "POST")).toEqual([]);
    const sent = requests.filter((r) => r.path.includes("/blobs/uploads/")).reduce((sum, r) => sum + r.bodyBytes, 0);
    expect(sent).toBeLessThan(LAYER - CHUNK);
  });

  for (const [lie, range] of [
    ["more bytes than it has", `0-${3 * CHUNK - 1}`],
    ["fewer bytes than it has", `0-${CHUNK - 1}`],
    ["more bytes than the blob has", `0-${40 * CHUNK}`],
  ] as const) {
    it(`lands when the registry's Range says ${lie}`, async () => {
      const repository = uniqueRepository("resume-lie");
      const run = await interrupted(repository);
      await rerunLands(run, repository, [{ when: isStatusGet, act: { kind: "rewrite-answer", headers: { range } }, times: 1 }]);
    });
  }

  for (const status of [404, 405, 500]) {
    it(`starts the layer over when the session's status GET answers ${status}`, async () => {
      const repository = uniqueRepository(`resume-${status}`);
      const run = await interrupted(repository);
      const requests = await rerunLands(run, repository, [{ when: isStatusGet, act: { kind: "rewrite-answer", status, headers: {} } }]);
      expect(requests.filter((r) => r.method === "POST" && r.path.includes("/blobs/uploads/"))).toHaveLength(1);
    });
  }

  it("never continues a session of another repository a journal entry names (same host)", async () => {
    const mine = uniqueRepository("resume-mine");
    const other = uniqueRepository("resume-other");
    const run = await interrupted(mine);
    // Another push of the same image to another repository, cut the same way: a session that holds the
    // very bytes ours would hold, so only the repository tells them apart.
    const theirs = await interrupted(other);
    const planted = new URL(run.saved.location);
    const session = new URL(theirs.saved.location);
    planted.pathname = session.pathname;
    planted.search = session.search;
    await writeFile(run.file, JSON.stringify({ ...run.saved, location: planted.href }), { mode: 0o600 });
    const requests = await rerunLands(run, mine, []);
    expect(requests.filter((r) => r.path.includes(`/${other}/`))).toEqual([]);
  });
});
