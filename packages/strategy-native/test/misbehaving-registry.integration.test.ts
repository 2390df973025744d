import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultPushTimeouts, defaultRetrySettings, ImageReference, type PushRequest } from "@skopush/core";
import { listTags, loadTestEnvironment, pushSettingsFor, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { startMisbehavingRegistry, startMisbehavingTlsRegistry, redirectedReadBack, type MisbehavingRegistry, type MisbehavingRegistryOptions } from "@skopush/testkit/hardening";
import { NativeSkopeoStrategy } from "../src/index.js";

// Native skopeo (which has no time limits) against a registry that misbehaves mid-upload: a typed
// Timeout naming the stage and the address, no tag, no workspace, no skopeo left running.
let env: TestEnvironment;
let registry: TestRegistry;
let work: string;
let temp: string;
let image: string;
let configDigest: string;
let server: MisbehavingRegistry | undefined;

beforeAll(async () => {
  env = await loadTestEnvironment();
  registry = env.registry("tls");
  work = await mkdtemp(join(tmpdir(), "skopush-native-misbehaving-"));
  temp = join(work, "temp");
  await mkdir(temp, { mode: 0o700 });
  image = join(work, "image.tar");
  ({ configDigest } = await writeImageArchive(image, { format: "docker-legacy", layers: 2, layerSize: 4 << 20, compressibility: "random", seed: `native-misbehaving-${Date.now()}` }));
});
afterAll(() => rm(work, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const startServer = async (options: MisbehavingRegistryOptions) => (server = await startMisbehavingTlsRegistry(env, options));

const skopeoProcessesFor = async (repository: string) => {
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "latin1").catch(() => "");
    if (cmdline.includes(repository)) found.push(`${pid} ${cmdline}`);
  }
  return found;
};

const pushThrough = async (host: string, repository: string, timeouts = { ...defaultPushTimeouts, connectMs: 2_000, responseMs: 2_000, stallMs: 2_000 }) => {
  const request: PushRequest = {
    archive: { path: image },
    destination: ImageReference.parseOrThrow(`${host}/${repository}:v1`),
    ...pushSettingsFor(registry),
    retry: { ...defaultRetrySettings, times: 0 },
    timeouts,
  };
  const started = Date.now();
  const exit = await Effect.runPromiseExit(new NativeSkopeoStrategy({ tempDirectory: temp }).push(request, () => {}));
  if (Exit.isSuccess(exit)) throw new Error("expected the push to fail");
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "None") throw new Error(Cause.pretty(exit.cause));
  return { error: error.value, ms: Date.now() - started };
};

describe("native skopeo against a misbehaving registry", () => {
  it("answers /v2/ then stalls during a blob upload → Timeout (stall) naming the address; skopeo stopped, nothing left", async () => {
    const stalling = await startServer({ rules: [{ when: "blob-upload", act: { kind: "stall", afterBytes: 64 << 10 } }] });
    const repository = `native/stall-${Date.now()}`;
    const { error, ms } = await pushThrough(stalling.host, repository);
    expect(error).toMatchObject({ _tag: "Timeout", stage: "stall" });
    expect(error.message).toContain(stalling.host);
    expect(ms).toBeLessThan(60_000);
    expect(await listTags(registry, repository)).toEqual([]);
    expect(await readdir(temp)).toEqual([]);
    expect(await skopeoProcessesFor(repository)).toEqual([]);
  });

  // Red team of issue 14: skopeo reported success to a server that keeps only the manifest (every blob
  // "exists", the manifest PUT is kept and echoed), and the read-back believed the echo.
  it("a server that stores only manifests → RegistryError naming the config blob, no tag", async () => {
    const liar = await startServer({
      rules: [
        { when: (req) => req.method === "HEAD" && /\/blobs\/sha256:/.test(req.url ?? ""), act: { kind: "claim-blob" } },
        { when: "manifest-put", act: { kind: "keep-manifest" } },
        { when: "manifest-get", act: { kind: "echo-manifest" } },
      ],
    });
    const repository = `native/manifest-only-${Date.now()}`;
    const { error } = await pushThrough(liar.host, repository, defaultPushTimeouts);
    expect(error._tag).toBe("RegistryError");
    expect(error.message).toMatch(/the config sha256:[0-9a-f]{64} is not in/);
    expect(liar.requests.some((r) => r.method === "PUT" && r.path.includes("/manifests/"))).toBe(true);
    expect(liar.requests.some((r) => r.method === "GET" && r.path.endsWith(`/blobs/${configDigest}`))).toBe(true);
    expect(await listTags(registry, repository)).toEqual([]);
    expect(await readdir(temp)).toEqual([]);
  });

  // Red team of issue 14: the read-back, redirected to another host serving what was PUT, was believed.
  it("the read-back redirected to another host → RegistryError, no tag", async () => {
    const { elsewhere, liar: liarOptions } = await redirectedReadBack();
    try {
      const liar = await startServer(liarOptions);
      const repository = `native/redirected-${Date.now()}`;
      const { error } = await pushThrough(liar.host, repository, defaultPushTimeouts);
      expect(error._tag).toBe("RegistryError");
      expect(error.message).toContain(`redirected to another host, ${elsewhere.url}`);
      expect(await listTags(registry, repository)).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  // Red team of issue 14: the pre-flight only pinged /v2/; skopeo then waited on a token realm that never
  // answers, bounded only by the stall limit.
  it("a token realm that never answers → Timeout (response) of the pre-flight naming the realm; skopeo never started", async () => {
    const realm = await startMisbehavingRegistry({ rules: [{ when: "any", act: { kind: "silent" } }] });
    try {
      const gate = await startServer({
        rules: [{ when: "ping", act: { kind: "rewrite-answer", status: 401, headers: { "www-authenticate": `Bearer realm="${realm.url}/token",service="test"` } } }],
      });
      const repository = `native/silent-realm-${Date.now()}`;
      const { error, ms } = await pushThrough(gate.host, repository, { ...defaultPushTimeouts, connectMs: 2_000, responseMs: 2_000, stallMs: 10_000 });
      expect(error).toMatchObject({ _tag: "Timeout", stage: "response" });
      expect(error.message).toContain("getting a token");
      expect(error.message).toContain(realm.host);
      expect(ms).toBeLessThan(10_000);
      expect(realm.requests.map((r) => r.path.split("?")[0])).toEqual(["/token"]);
      expect(gate.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v2/"]);
      expect(await readdir(temp)).toEqual([]);
      expect(await skopeoProcessesFor(repository)).toEqual([]);
    } finally {
      await realm.close();
    }
  });
});
