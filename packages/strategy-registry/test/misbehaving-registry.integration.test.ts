import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultPushTimeouts, type ProgressEvent, type PushTimeouts } from "@skopush/core";
import { listTags, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive, type ImageArchiveMetadata } from "@skopush/testkit/fixtures";
import { FOREIGN_DIGEST, startMisbehavingRegistry, startMisbehavingTlsRegistry, redirectedReadBack, type MisbehavingRegistry, type MisbehavingRegistryOptions } from "@skopush/testkit/hardening";
import { pushFails, pushOk, requestFor, scratch, strategyIn, uniqueRepository } from "./support/push.js";

// The registry strategy against a registry that misbehaves at one stage: a typed error in bounded
// time, no tag left behind, and a success only when reading the push back confirms it.
let work: Awaited<ReturnType<typeof scratch>>;
let env: TestEnvironment;
let registry: TestRegistry;
let image: ImageArchiveMetadata;
let server: MisbehavingRegistry | undefined;

const TIGHT: PushTimeouts = { connectMs: 1_000, responseMs: 1_000, stallMs: 1_000, manifestMs: 1_000 };
const NO_RETRY = { times: 0, baseDelayMs: 50, maxDelayMs: 50 };
/** A server that stores only manifests: every blob HEAD answers "here", the manifest is kept and echoed. */
const MANIFEST_ONLY: MisbehavingRegistryOptions["rules"] = [
  { when: (req) => req.method === "HEAD" && /\/blobs\/sha256:/.test(req.url ?? ""), act: { kind: "claim-blob" } },
  { when: "manifest-put", act: { kind: "keep-manifest" } },
  { when: "manifest-get", act: { kind: "echo-manifest" } },
];

beforeAll(async () => {
  work = await scratch("misbehaving");
  env = await loadTestEnvironment();
  registry = env.registry("tls");
  image = await writeImageArchive(join(work.dir, "image.tar"), { format: "docker-legacy", layers: 2, layerSize: 4 << 20, compressibility: "random", seed: `misbehaving-${Date.now()}` });
});
afterAll(() => work?.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A misbehaving https registry in front of the environment's TLS registry. */
const startServer = async (options: MisbehavingRegistryOptions) => (server = await startMisbehavingTlsRegistry(env, options));

const push = async (host: string, repository: string, timeouts: PushTimeouts = TIGHT) => {
  const started = Date.now();
  const error = await pushFails(strategyIn(work.dir), requestFor(registry, image.path, `${repository}:v1`, { host, timeouts, retry: NO_RETRY }));
  return { error, ms: Date.now() - started };
};

describe("the registry strategy against a misbehaving registry", () => {
  it("a normal push through it is read back and reported verified", async () => {
    const proxy = await startServer({});
    const repository = uniqueRepository("verified");
    const outcome = await pushOk(strategyIn(work.dir), requestFor(registry, image.path, `${repository}:v1`, { host: proxy.host, timeouts: defaultPushTimeouts }));
    expect(outcome.verified).toBe(true);
    expect((await readManifest(registry, repository, "v1")).digest).toBe(outcome.digest);
    // The read-back: one GET of the tag after the PUT.
    const put = proxy.requests.findIndex((r) => r.method === "PUT" && r.path.endsWith(`/manifests/v1`));
    expect(proxy.requests.slice(put + 1).filter((r) => r.method === "GET" && r.path.endsWith("/manifests/v1"))).toHaveLength(1);
  });

  it("answers like a web page → NotARegistry at the first request, nothing else asked", async () => {
    const page = await startServer({ rules: [{ when: "any", act: { kind: "web-page" } }] });
    const { error } = await push(page.host, uniqueRepository("web-page"));
    expect(error._tag).toBe("NotARegistry");
    expect(error.message).toContain("200 text/html");
    expect(page.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v2/"]);
  });

  it("accepts and stays silent → Timeout (connect) within the limit", async () => {
    const silent = await startServer({ silentOnAccept: true });
    const { error, ms } = await push(silent.host, uniqueRepository("silent"));
    expect(error).toMatchObject({ _tag: "Timeout", stage: "connect", afterMs: 1_000 });
    expect(error.message).toContain(`connected to ${silent.host}, but the TLS handshake got no answer`);
    expect(ms).toBeLessThan(10_000);
  });

  it("stalls during a blob upload → Timeout (stall or response), no tag", async () => {
    const stalling = await startServer({ rules: [{ when: "blob-upload", act: { kind: "stall", afterBytes: 64 << 10 } }] });
    const repository = uniqueRepository("stall");
    const { error, ms } = await push(stalling.host, repository);
    expect(error._tag).toBe("Timeout");
    expect(["stall", "response"]).toContain((error as { stage?: string }).stage);
    expect(error.message).toContain(stalling.host);
    expect(ms).toBeLessThan(15_000);
    expect(await listTags(registry, repository)).toEqual([]);
  });

  it("the manifest PUT gets no answer → Timeout (manifest) naming the tag", async () => {
    const server = await startServer({ rules: [{ when: "manifest-put", act: { kind: "silent" } }] });
    const repository = uniqueRepository("manifest-silent");
    const { error } = await push(server.host, repository);
    expect(error).toMatchObject({ _tag: "Timeout", stage: "manifest", afterMs: 1_000 });
    expect(error.message).toContain(`writing the manifest ${repository}:v1`);
    expect(await listTags(registry, repository)).toEqual([]);
  });

  it("a manifest PUT answered with another digest fails and says what the tag holds", async () => {
    const liar = await startServer({ rules: [{ when: "manifest-put", act: { kind: "wrong-digest" } }] });
    const repository = uniqueRepository("wrong-digest");
    const { error } = await push(liar.host, repository, defaultPushTimeouts);
    const stored = await readManifest(registry, repository, "v1");
    expect(error._tag).toBe("RegistryError");
    expect(error.message).toContain(`reports the manifest as ${FOREIGN_DIGEST}`);
    expect(error.message).toContain(`${repository}:v1 now holds the manifest ${stored.digest}`);
  });

  it("a manifest PUT answered 429 with Retry-After: 1 once → waits the second it asked for, says so, then pushes", async () => {
    let refusedAt = 0;
    const busy = await startServer({
      rules: [{ when: (req) => req.method === "PUT" && /\/manifests\//.test(req.url ?? "") && (refusedAt = Date.now()) > 0, act: { kind: "too-many-requests", retryAfterSeconds: 1 }, times: 1 }],
    });
    const repository = uniqueRepository("retry-after");
    const events: ProgressEvent[] = [];
    // A backoff of 50 ms: only the registry's Retry-After can make the second PUT wait a second.
    const retry = { times: 2, baseDelayMs: 50, maxDelayMs: 50 };
    const outcome = await pushOk(strategyIn(work.dir), requestFor(registry, image.path, `${repository}:v1`, { host: busy.host, timeouts: defaultPushTimeouts, retry }), events);
    const waitedMs = Date.now() - refusedAt;
    expect((await readManifest(registry, repository, "v1")).digest).toBe(outcome.digest);
    const puts = busy.requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/"));
    expect(puts.map((r) => r.handling)).toEqual(["too-many-requests", "proxy"]);
    expect(waitedMs).toBeGreaterThanOrEqual(1_000);
    expect(JSON.stringify(events)).toContain("the registry asked for 1 s (Retry-After)");
  });

  // Red team of issue 14: an answer that begins and then drips a byte every 100 ms reset the stall limit
  // with every byte and was past the response limit: only the 3 h total ended such a push.
  it("/v2/ answered with a body that drips forever → Timeout within the limit, nothing uploaded", async () => {
    const dripping = await startServer({ rules: [{ when: "ping", act: { kind: "drip-response", intervalMs: 100 } }] });
    const { error, ms } = await push(dripping.host, uniqueRepository("drip-ping"));
    expect(error._tag).toBe("Timeout");
    expect(error.message).toContain(dripping.host);
    expect(ms).toBeLessThan(15_000);
    expect(dripping.requests.filter((r) => r.method !== "GET" || r.path !== "/v2/")).toEqual([]);
  });

  it("the manifest PUT's answer drips forever → Timeout, not a hang", async () => {
    const dripping = await startServer({ rules: [{ when: "manifest-put", act: { kind: "drip-response", intervalMs: 100 } }] });
    const { error, ms } = await push(dripping.host, uniqueRepository("drip-put"));
    expect(error._tag).toBe("Timeout");
    expect(ms).toBeLessThan(15_000);
  });

  // Red team of issue 14: the message of a failed read-back did not say that the tag may be written.
  it("the read-back gets no answer after the PUT → Timeout saying the registry accepted the manifest, which the tag holds", async () => {
    const silent = await startServer({});
    const afterPut = (req: { method?: string; url?: string }) =>
      req.method === "GET" && (req.url ?? "").includes("/manifests/") && silent.requests.some((r) => r.method === "PUT" && r.path.includes("/manifests/"));
    silent.setRules([{ when: afterPut, act: { kind: "silent" } }]);
    const repository = uniqueRepository("silent-read-back");
    const { error } = await push(silent.host, repository);
    const stored = await readManifest(registry, repository, "v1");
    expect(error._tag).toBe("Timeout");
    expect(error.message).toContain(`the registry accepted manifest ${stored.digest} for ${repository}:v1; reading it back failed`);
  });

  it("the read-back's answer drips forever → Timeout, not a hang", async () => {
    const dripping = await startServer({});
    const afterPut = (req: { method?: string; url?: string }) =>
      req.method === "GET" && (req.url ?? "").includes("/manifests/") && dripping.requests.some((r) => r.method === "PUT" && r.path.includes("/manifests/"));
    dripping.setRules([{ when: afterPut, act: { kind: "drip-response", intervalMs: 100 } }]);
    const { error, ms } = await push(dripping.host, uniqueRepository("drip-read-back"));
    expect(error._tag).toBe("Timeout");
    expect(ms).toBeLessThan(15_000);
  });

  // Red team of issue 14: a server that keeps only the manifest (every blob "exists", the manifest PUT is
  // kept and echoed) was reported verified with no blob stored anywhere.
  it("a server that stores only manifests → RegistryError naming the config blob, never a success", async () => {
    const liar = await startServer({ rules: MANIFEST_ONLY });
    const repository = uniqueRepository("manifest-only");
    const { error } = await push(liar.host, repository, defaultPushTimeouts);
    expect(error._tag).toBe("RegistryError");
    expect(error.message).toContain(`config ${image.configDigest}`);
    expect(liar.requests.some((r) => r.method === "GET" && r.path.endsWith(`/blobs/${image.configDigest}`))).toBe(true);
    expect(await listTags(registry, repository)).toEqual([]);
  });

  // Red team of issue 14: the read-back of the manifest, redirected to another host that serves what was
  // PUT, was reported verified though the destination stored nothing.
  it("the read-back redirected to another host → RegistryError, not a success", async () => {
    const { elsewhere, liar: liarOptions } = await redirectedReadBack();
    try {
      const liar = await startServer(liarOptions);
      const repository = uniqueRepository("redirected");
      const { error } = await push(liar.host, repository, defaultPushTimeouts);
      expect(error._tag).toBe("RegistryError");
      expect(error.message).toContain(`redirected`);
      expect(error.message).toContain(elsewhere.url);
      expect(await listTags(registry, repository)).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });
});
