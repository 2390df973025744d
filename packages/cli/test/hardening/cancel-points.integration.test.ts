import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { listTags, readManifest } from "@skopush/testkit/environment";
import { entriesOf, type ProxiedRequest } from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { processesMentioning, startCli, waitUntil, type CliRun } from "../spawn-cli.js";
import { ciEnv, freshDir, STRATEGIES, strategyFlags, throttledBasicRegistry, uniqueRepository, useCliTestBed } from "./support.js";

// Issue 14.3, never half-cancel: SIGINT at many points of `skopush push --json`, through each strategy.
// Whatever the point, the push is either stopped before the registry took the manifest (exit 130,
// PushCancelled, no tag) or it was taken (exit 0, success, the tag holds the reported digest, and
// `cancelledTooLate` when the signal came before the push ended). The exit code, the JSON and the
// registry always agree, and nothing is left: no temp file, nothing in the shared directory, no skopeo.

let archive: string;

const bed = useCliTestBed("cancel-points", {
  resident: true,
  // 1 MiB/s: the two 512 KiB layers upload for about a second, so the points below fall inside the push.
  proxy: (environment) => throttledBasicRegistry(environment, 1 << 20),
});

beforeAll(async () => {
  archive = (
    await writeImageArchive(join(bed.work.dir, "image.tar"), { format: "docker-legacy", layers: 2, layerSize: 512 << 10, compressibility: "random", seed: "cancel-points" })
  ).path;
});

/** A moment of the push, told by what the registry has seen of `repository` so far. */
interface CancelPoint {
  readonly name: string;
  readonly reached: (requests: ReadonlyArray<ProxiedRequest>, sinceStartMs: number) => boolean;
}

const ofRepository = (requests: ReadonlyArray<ProxiedRequest>, repository: string) => requests.filter((r) => r.path.startsWith(`/v2/${repository}/`));
const uploadBytes = (requests: ReadonlyArray<ProxiedRequest>) => requests.filter((r) => r.path.includes("/blobs/uploads/")).reduce((sum, r) => sum + r.bodyBytes, 0);
const manifestPuts = (requests: ReadonlyArray<ProxiedRequest>) => requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/"));

// Eight points from start-up to the read-back; the last three are where a late cancel used to leave a tag behind.
const POINTS: ReadonlyArray<CancelPoint> = [
  { name: "during start-up", reached: (_, ms) => ms >= 150 },
  { name: "at the first request for the repository", reached: (requests) => requests.length > 0 },
  { name: "when the first upload starts", reached: (requests) => requests.some((r) => r.method === "POST" && r.path.includes("/blobs/uploads/")) },
  { name: "after 256 KiB were uploaded", reached: (requests) => uploadBytes(requests) >= 256 << 10 },
  { name: "after 900 KiB were uploaded", reached: (requests) => uploadBytes(requests) >= 900 << 10 },
  { name: "when the manifest PUT arrives", reached: (requests) => manifestPuts(requests).length > 0 },
  { name: "when the manifest PUT was answered", reached: (requests) => manifestPuts(requests).some((r) => r.status !== 0) },
  { name: "after the read-back started", reached: (requests) => manifestPuts(requests).some((r) => r.status !== 0) && requests.at(-1)?.method === "GET" },
];

interface Outcome {
  readonly point: string;
  readonly signalled: boolean;
  readonly run: CliRun;
  readonly tags: ReadonlyArray<string>;
  readonly repository: string;
}

/**
 * {@link cancelOnce}, tried again (twice at most) when the strategy was found unavailable before the point
 * was reached: on a loaded machine dockerode's 200 ms daemon ping can time out, which says nothing about cancelling.
 */
const cancelAt = async (strategy: string, point: CancelPoint, tmp: string): Promise<Outcome> => {
  for (let tries = 1; ; tries++) {
    const outcome = await cancelOnce(strategy, point, tmp);
    if (outcome.signalled || tries === 3 || !outcome.run.stdout.includes('"error":"NoStrategyAvailable"')) return outcome;
  }
};

const cancelOnce = async (strategy: string, point: CancelPoint, tmp: string): Promise<Outcome> => {
  const basic = bed.environment.registry("basic");
  const repository = uniqueRepository(`cancel-${strategy}`);
  const cli = startCli(
    ["push", archive, `${bed.proxy.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "-u", basic.credentials!.username, "--password-stdin", "--json", ...strategyFlags(strategy, bed.resident)],
    { env: ciEnv(bed.work.home, tmp), stdin: basic.credentials!.password },
  );
  const started = Date.now();
  let ended = false;
  const done = cli.done.finally(() => (ended = true));
  let signalled = false;
  try {
    await waitUntil(() => ended || point.reached(ofRepository(bed.proxy.requests, repository), Date.now() - started), `${strategy} ${point.name}`, 120_000);
    if (!ended) {
      cli.kill("SIGINT");
      signalled = true;
    }
    const run = await done;
    return { point: point.name, signalled, run, tags: await listTags(basic, repository), repository };
  } finally {
    cli.kill("SIGKILL");
  }
};

describe.each(STRATEGIES)("skopush push --strategy %s --json, SIGINT at 8 points of the push", (strategy) => {
  it("exit code, JSON status and the registry agree at every point; nothing is left behind", async () => {
    const tmp = await freshDir(bed.work.dir, `tmp-${strategy}`);
    // Four points of one strategy at a time, each pushing to a repository of its own (all eight at once
    // load two cores enough for dockerode's 200 ms daemon ping to time out).
    const outcomes: Outcome[] = [];
    for (let i = 0; i < POINTS.length; i += 4) outcomes.push(...(await Promise.all(POINTS.slice(i, i + 4).map((point) => cancelAt(strategy, point, tmp)))));
    const basic = bed.environment.registry("basic");
    for (const { point, signalled, run, tags, repository } of outcomes) {
      const what = `${strategy}, SIGINT ${point}${signalled ? "" : " (the push ended first)"}: exit ${run.code}\n${run.stdout}\n${run.stderr}`;
      // Before node has installed its handlers, SIGINT ends the process as the signal's default (the shell's 130).
      const code = run.code ?? (run.signal === "SIGINT" ? 130 : run.signal);
      expect([0, 130], what).toContain(code);
      if (code === 0) {
        const result = JSON.parse(run.stdout) as { status: string; digest: string; cancelledTooLate?: boolean };
        expect(result.status, what).toBe("success");
        expect(tags, what).toEqual(["v1"]);
        expect((await readManifest(basic, repository, "v1")).digest, what).toBe(result.digest);
        if (result.cancelledTooLate === true) expect(run.stderr, what).toContain("the cancel came too late");
      } else {
        // Before the push listens for signals (start-up), the CLI exits at once and prints nothing.
        if (run.stdout.trim() !== "") expect(JSON.parse(run.stdout), what).toMatchObject({ status: "error", error: "PushCancelled" });
        expect(tags, what).toEqual([]);
      }
    }
    expect(outcomes.filter((o) => o.signalled).length, "most points fall inside the push").toBeGreaterThanOrEqual(5);
    expect(entriesOf(tmp)).toEqual([]);
    expect(bed.resident.leftovers()).toEqual([]);
    expect(await bed.resident.processes()).toEqual([]);
    expect(await processesMentioning("cancel-" + strategy)).toEqual([]);
  });
});
