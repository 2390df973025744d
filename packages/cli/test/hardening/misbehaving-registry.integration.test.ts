import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listTags, loadTestEnvironment, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import {
  entriesOf,
  startMisbehavingTlsRegistry,
  startResidentContainer,
  type MisbehavingRegistry,
  type MisbehavingRegistryOptions,
  type ResidentContainer,
} from "@skopush/testkit/hardening";
import { assertBuilt, processesMentioning, runCli, type CliRun } from "../spawn-cli.js";
import { ciEnv, freshDir, scratch, STRATEGIES, strategyFlags, uniqueRepository } from "./support.js";

// Issue 14.1 and 14.2 through the built CLI, for every strategy: a registry that is silent after
// accept, a web page answering 200 text/html to everything, a blob upload that stalls, one that drips,
// and a connection cut mid-body. Each ends with exit 1 and a typed JSON error in bounded time (the
// limits given here are short), no tag, no temp file, nothing in the shared directory, no skopeo left.

let environment: TestEnvironment;
let registry: TestRegistry;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;
let archive: string;
let server: MisbehavingRegistry | undefined;

/** Generous: each push below is given a limit of a few seconds; this only says it did not hang. */
const BOUNDED_MS = 45_000;

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  registry = environment.registry("tls");
  work = await scratch("misbehaving");
  resident = await startResidentContainer({ image: environment.skopeoImage });
  // 4 MiB of random layers: more than loopback's socket buffers take while the server reads nothing.
  archive = (
    await writeImageArchive(join(work.dir, "image.tar"), { format: "docker-legacy", layers: 2, layerSize: 2 << 20, compressibility: "random", seed: `cli-misbehaving-${Date.now()}` })
  ).path;
});

afterAll(async () => {
  await resident?.remove();
  await work?.cleanup();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A misbehaving https registry in front of the environment's TLS registry (its certificate, the test CA). */
const startServer = async (options: MisbehavingRegistryOptions) => (server = await startMisbehavingTlsRegistry(environment, options));

interface Failed {
  readonly run: CliRun;
  readonly result: { status: string; error: string; message: string };
  readonly ms: number;
}

/** `skopush push --json` through `server` with `strategy`; asserts exit 1, nothing left behind, and no tag. */
const pushFails = async (strategy: string, server: MisbehavingRegistry, label: string, limits: string[]): Promise<Failed> => {
  const tmp = await freshDir(work.dir, `tmp-${label}`);
  const repository = uniqueRepository(`${label}-${strategy}`);
  const started = Date.now();
  const run = await runCli(["push", archive, `${server.host}/${repository}:v1`, "--ca-cert", registry.caFile!, "--json", ...limits, ...strategyFlags(strategy, resident)], {
    env: ciEnv(work.home, tmp),
  });
  const ms = Date.now() - started;
  const what = `${strategy} ${label}: exit ${run.code}\n${run.stdout}\n${run.stderr}`;
  expect(run.code, what).toBe(1);
  const result = JSON.parse(run.stdout) as Failed["result"];
  expect(result.status, what).toBe("error");
  expect(await listTags(registry, repository), what).toEqual([]);
  expect(entriesOf(tmp), what).toEqual([]);
  expect(resident.leftovers(), what).toEqual([]);
  expect(await resident.processes(), what).toEqual([]);
  expect(await processesMentioning(repository), what).toEqual([]);
  return { run, result, ms };
};

describe.each(STRATEGIES)("skopush push --strategy %s against a misbehaving registry", (strategy) => {
  it("silent after accept, --timeout 3s → Timeout naming the address, within the limit, nothing left", async () => {
    const silent = await startServer({ silentOnAccept: true });
    const { result, ms } = await pushFails(strategy, silent, "silent", ["--timeout", "3s"]);
    expect(result.error).toBe("Timeout");
    expect(result.message).toContain("(total timeout)");
    expect(result.message).toContain(silent.host);
    expect(ms).toBeLessThan(BOUNDED_MS);
  });

  it("a web page answering 200 text/html → NotARegistry at the first request: nothing staged, nothing uploaded", async () => {
    const page = await startServer({ rules: [{ when: "any", act: { kind: "web-page" } }] });
    const { result } = await pushFails(strategy, page, "web-page", ["--timeout", "30s"]);
    expect(result.error).toBe("NotARegistry");
    expect(result.message).toContain("200 text/html");
    expect(page.requests.length).toBeGreaterThan(0);
    expect(page.requests.map((r) => `${r.method} ${r.path}`).filter((r) => r !== "GET /v2/")).toEqual([]);
  });

  it("a blob upload read a byte at a time, --timeout 4s → Timeout (the whole push, or the stall limit)", async () => {
    const dripping = await startServer({ rules: [{ when: "blob-upload", act: { kind: "drip-request-body", intervalMs: 100 } }] });
    const { result, ms } = await pushFails(strategy, dripping, "trickle", ["--timeout", "4s", "--stall-timeout", "3s"]);
    expect(result.error).toBe("Timeout");
    expect(result.message).toMatch(/\((total|stall) timeout\)/);
    expect(result.message).toContain(dripping.host);
    expect(ms).toBeLessThan(BOUNDED_MS);
  });
});

// The stall limit is checked for the skopeo strategies (the host reads their skopeo's byte counts, in the
// resident container too). The registry strategy's whole blob fits in loopback's socket buffers, and it then
// waits for the answer under responseMs; there the whole-push limit (above) is what ends such a push.
describe.each(["native", "docker-exec", "dockerode"])("skopush push --strategy %s, an upload that stalls", (strategy) => {
  it("a blob upload that stops being read, --stall-timeout 2s → Timeout (stall) naming the address", async () => {
    const stalling = await startServer({ rules: [{ when: "blob-upload", act: { kind: "stall", afterBytes: 64 << 10 } }] });
    const { result, ms } = await pushFails(strategy, stalling, "unread", ["--stall-timeout", "2s", "--timeout", "40s"]);
    expect(result.error).toBe("Timeout");
    expect(result.message).toContain("(stall timeout)");
    expect(result.message).toContain(stalling.host);
    expect(ms).toBeLessThan(BOUNDED_MS);
  });
});

describe("skopush push --strategy native, the connection cut mid-body", () => {

  it("every blob upload's connection cut after 64 KiB → exit 1, a typed error, no tag, nothing left", async () => {
    const cutting = await startServer({ rules: [{ when: "blob-upload", act: { kind: "cut-request-body", afterBytes: 64 << 10 } }] });
    const { result, ms } = await pushFails("native", cutting, "cut", ["--timeout", "30s"]);
    expect(["RegistryUnreachable", "CommandFailed", "Timeout"]).toContain(result.error);
    expect(result.message).toContain(cutting.host);
    expect(ms).toBeLessThan(BOUNDED_MS);
  });
});

// Red team of issue 14: a skopeo blocked on a registry that answered the pre-flight and nothing after it
// still reads a few bytes every second or two (the Go runtime's own reads advance rchar), which the stall
// watch took for progress: with --stall-timeout 5s such a push ran past 170 s.
describe.each(["native", "docker-exec", "dockerode"])("skopush push --strategy %s, silent after the pre-flight", (strategy) => {
  it("skopeo's requests get no answer, --stall-timeout 5s → Timeout (stall) naming the address, nothing left", async () => {
    let seen = 0;
    const silent = await startServer({ rules: [{ when: () => seen++ >= 1, act: { kind: "silent" } }] });
    const { result, ms } = await pushFails(strategy, silent, "after-preflight", ["--stall-timeout", "5s"]);
    expect(result.error).toBe("Timeout");
    expect(result.message).toContain("(stall timeout)");
    expect(result.message).toContain(silent.host);
    expect(ms).toBeLessThan(BOUNDED_MS);
  });
});

