import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobExists, loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { startMisbehavingTlsRegistry, type MisbehavingRegistry } from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, runCli, startCli, waitUntil } from "../spawn-cli.js";
import { ciEnv, freshDir, scratch, uniqueRepository } from "./support.js";

// Resume across processes: `skopush push` killed with SIGKILL in the middle of a large layer leaves its
// upload session in the cache directory (owner-only); the same push run again continues that session
// where the registry says it stands, so at most one chunk goes twice, and the image reads back.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let proxy: MisbehavingRegistry;

/** The registry strategy's default chunk of a resumable upload. */
const CHUNK = 16 << 20;
const LAYER = 96 << 20;
const STALL_AT = 4 * CHUNK;

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = await scratch("resume");
  // The PATCH of the fifth chunk (64–80 MiB) stalls 3 MiB in (~70 % of the layer): the process is killed there.
  proxy = await startMisbehavingTlsRegistry(environment, {
    rules: [
      {
        when: (req) => req.method === "PATCH" && String(req.headers["content-range"] ?? "").startsWith(`${STALL_AT}-`),
        act: { kind: "stall", afterBytes: 3 << 20 },
      },
    ],
  });
});

afterAll(async () => {
  await proxy?.close();
  await work?.cleanup();
});

const uploadBytes = (repository: string): number =>
  proxy.requests.filter((r) => r.path.includes(`/${repository}/blobs/uploads/`)).reduce((sum, r) => sum + r.bodyBytes, 0);

describe("skopush push --strategy registry, killed mid-layer and run again", () => {
  it("SIGKILL at ~70 % of a 96 MiB layer: the re-run resumes the session, re-sends at most one chunk, the digest reads back", async () => {
    const tls = environment.registry("tls");
    const repository = uniqueRepository("resume-kill");
    const image = await writeImageArchive(join(work.dir, "large.tar"), { format: "docker-legacy", layers: 1, layerSize: LAYER, compressibility: "random", seed: repository });
    const args = ["push", image.path, `${proxy.host}/${repository}:v1`, "--ca-cert", tls.caFile!, "--strategy", "registry", "--json"];
    const env = ciEnv(work.home, await freshDir(work.dir, "tmp"));

    const first = startCli(args, { env });
    try {
      await waitUntil(() => proxy.requests.some((r) => r.handling === "stall" && r.bodyBytes >= 3 << 20), `the fifth chunk to stall (stderr: ${first.stderr()})`, 120_000);
      first.kill("SIGKILL");
      expect((await first.done).signal).toBe("SIGKILL");
    } finally {
      first.kill("SIGKILL");
    }
    // The session the killed process left: one file, the user's alone.
    const sessions = join(work.home, ".cache", "skopush", "upload-sessions-v1");
    expect(statSync(sessions).mode & 0o777).toBe(0o700);
    const files = readdirSync(sessions);
    expect(files).toHaveLength(1);
    expect(statSync(join(sessions, files[0]!)).mode & 0o777).toBe(0o600);

    proxy.setRules([]);
    const before = proxy.requests.length;
    const run = await runCli(args, { env });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { status: string; digest: string };
    expect(result).toMatchObject({ status: "success", method: "registry" });
    const back = await readManifest(tls, repository, "v1");
    expect(back.digest).toBe(result.digest);
    const layer = (JSON.parse(back.body.toString("utf8")) as { layers: Array<{ digest: string; size: number }> }).layers[0]!;
    expect(await blobExists(tls, repository, layer.digest)).toBe(true);

    // Bytes got across in both runs: the layer and the config once, plus at most the chunk the kill broke.
    const resent = uploadBytes(repository) - layer.size - image.configSize;
    expect(resent).toBeGreaterThan(0);
    expect(resent).toBeLessThanOrEqual(CHUNK);
    // The re-run continued the session: its first PATCH starts at the stalled chunk, not at 0.
    const rerun = proxy.requests.slice(before);
    const firstPatch = rerun.find((r) => r.method === "PATCH");
    expect(rerun.some((r) => r.method === "GET" && r.path.includes("/blobs/uploads/"))).toBe(true);
    expect(firstPatch).toBeDefined();
    // A finished upload leaves no session behind.
    expect(readdirSync(sessions)).toEqual([]);
  });
});
