import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { startRegistryProxy, type RegistryProxy } from "@skopush/testkit/hardening";
import { assertBuilt, runCli, type CliRun } from "./spawn-cli.js";

// Issue 18.4 "on many machines": `skopush push-many --shard i/3` (shards are 0-based) run as three CI
// jobs would, against the basic registry (TLS with the test CA, Basic auth) behind a recording proxy.

const ITEMS = 7;
const SHARDS = 3;

let environment: TestEnvironment;
let registry: TestRegistry;
let proxy: RegistryProxy;
let work: string;
let home: string;
let tmp: string;
let planFile: string;
const run = randomBytes(4).toString("hex");
const repositoryOf = (i: number) => `cli-many/app-${run}-${i}`;
let destinations: string[];

interface ItemReport {
  readonly destination: string;
  readonly status: string;
  readonly digest?: string;
  readonly uploadedBlobs: number;
  readonly skippedBlobs: number;
}
interface Report {
  readonly ok: boolean;
  readonly items: ReadonlyArray<ItemReport>;
  readonly totals: { readonly items: number; readonly pushed: number; readonly uploadedBlobs: number; readonly skippedBlobs: number };
}

/** A CI job's environment: the robot account in SKOPUSH_USERNAME/SKOPUSH_PASSWORD, nothing else. */
const jobEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  TMPDIR: tmp,
  CI: "1",
  NO_COLOR: "1",
  SKOPUSH_USERNAME: registry.credentials!.username,
  SKOPUSH_PASSWORD: registry.credentials!.password,
});

const pushShard = (index: number): Promise<CliRun> =>
  runCli(["push-many", planFile, "--shard", `${index}/${SHARDS}`, "--json", "--strategy", "registry", "--ca-cert", registry.caFile!], { env: jobEnv() });

const reportOf = (result: CliRun): Report => {
  expect(result.code, result.stderr).toBe(0);
  const lines = result.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Report;
};

/** The manifest PUTs the proxy saw for a destination's tag. */
const manifestPuts = (destination: string, from = 0) => {
  const [repository, tag] = destination.slice(proxy.host.length + 1).split(":");
  return proxy.requests.slice(from).filter((r) => r.method === "PUT" && r.path === `/v2/${repository}/manifests/${tag}` && r.status === 201);
};

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  registry = environment.registry("basic");
  work = mkdtempSync(join(tmpdir(), "skopush-cli-many-it-"));
  home = join(work, "home");
  tmp = join(work, "tmp");
  for (const dir of [home, tmp]) mkdirSync(dir);
  proxy = await startRegistryProxy({
    upstream: registry.url,
    caFile: registry.caFile,
    tls: { certFile: environment.state.certificates.serverCert, keyFile: environment.state.certificates.serverKey },
  });
  const items = [];
  for (let i = 0; i < ITEMS; i++) {
    await writeImageArchive(join(work, `app-${i}.tar`), {
      format: "docker-legacy",
      layers: 2,
      layerSize: [512 * 1024, 32 * 1024],
      seed: `cli-many-${run}-${i}`,
      baseSeed: `cli-many-base-${run}`,
    });
    // Relative archive paths: taken from the plan file's directory, as a plan shipped with its images.
    items.push({ archive: `app-${i}.tar`, destination: `${proxy.host}/${repositoryOf(i)}:v1` });
  }
  destinations = items.map((item) => item.destination);
  planFile = join(work, "plan.json");
  writeFileSync(planFile, JSON.stringify(items));
});

afterAll(async () => {
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("skopush push-many --shard i/3 (the built binary, the basic registry)", () => {
  let reports: Report[];

  it("the three shards, run at once as three jobs, push every item exactly once; each tag holds the reported digest", async () => {
    reports = (await Promise.all(Array.from({ length: SHARDS }, (_, i) => pushShard(i)))).map(reportOf);
    for (const destination of destinations) expect(manifestPuts(destination), destination).toHaveLength(1);
    // Shards within one item of each other in size, disjoint, together the whole plan.
    const pushed = reports.flatMap((report) => report.items);
    expect(pushed.map((item) => item.destination).sort()).toEqual([...destinations].sort());
    expect(reports.map((report) => report.items.length).sort()).toEqual([2, 2, 3]);
    expect(pushed.every((item) => item.status === "pushed")).toBe(true);
    for (const item of pushed) {
      const i = destinations.indexOf(item.destination);
      expect(item.digest, item.destination).toBe((await readManifest(registry, repositoryOf(i), "v1")).digest);
    }
  });

  it("a shard run again uploads nothing, reports every blob skipped, and leaves each tag on the same digest", async () => {
    const before = proxy.requests.length;
    const again = reportOf(await pushShard(1));
    const first = reports.find((report) => report.items.some((item) => item.destination === again.items[0]?.destination))!;
    expect(again.items.map((item) => item.destination)).toEqual(first.items.map((item) => item.destination));
    expect(again.totals).toMatchObject({ items: first.items.length, pushed: first.items.length, uploadedBlobs: 0, skippedBlobs: 3 * first.items.length });
    expect(again.items.map((item) => item.digest)).toEqual(first.items.map((item) => item.digest));
    // The registry saw no upload started or sent: existing blobs were found with HEAD.
    const since = proxy.requests.slice(before);
    expect(since.filter((r) => r.path.includes("/blobs/uploads/"))).toEqual([]);
    expect(since.filter((r) => r.method === "HEAD" && r.path.includes("/blobs/")).length).toBeGreaterThanOrEqual(3 * first.items.length);
    for (const item of again.items) {
      const i = destinations.indexOf(item.destination);
      expect(item.digest).toBe((await readManifest(registry, repositoryOf(i), "v1")).digest);
    }
  });
});
