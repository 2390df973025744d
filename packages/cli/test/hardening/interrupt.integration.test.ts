import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTags, loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import {
  entriesOf,
  isRunning,
  startDirectoryWatcher,
  processInfo,
  startProcessSampler,
  startResidentContainer,
  type RegistryProxy,
  type ResidentContainer,
} from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, processesMentioning, startCli, waitUntil } from "../spawn-cli.js";
import { ciEnv, freshDir, scratch, STRATEGIES, strategyFlags, throttledBasicRegistry, uniqueRepository, uploadedBytes } from "./support.js";

// `skopush push` interrupted by SIGINT (Ctrl-C) or SIGTERM (a CI job cancelled, `docker stop`) while it
// uploads, through each strategy, with credentials (so the skopeo strategies hold an authfile). The push
// must be cancelled and cleaned up before the process exits 130/143: no temp file, no authfile, nothing in
// the shared directory, no child process (docker, skopeo) and no skopeo in the container, and no tag.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;
let proxy: RegistryProxy;

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = await scratch("interrupt");
  resident = await startResidentContainer({ image: environment.skopeoImage });
  // 2 MiB/s: a 32 MiB image uploads for many seconds; the signal comes after the first MiB.
  proxy = await throttledBasicRegistry(environment, 2 << 20);
});

afterAll(async () => {
  await proxy?.close();
  await resident?.remove();
  await work?.cleanup();
});

const SIGNALS = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const;

describe.each(STRATEGIES)("skopush push --strategy %s, interrupted mid-upload", (strategy) => {
  it.each(SIGNALS)("%s: exits %i after cleaning up; no temp file, no authfile, no child process, no tag", async (signal, code) => {
    const basic = environment.registry("basic");
    const { username, password } = basic.credentials!;
    const tmp = await freshDir(work.dir, `tmp-${strategy}-${signal}`);
    const repository = uniqueRepository(`${strategy}-${signal.toLowerCase()}`);
    const image = await writeImageArchive(join(work.dir, `${strategy}-${signal}.tar`), {
      format: "docker-legacy",
      layers: 2,
      layerSize: 16 << 20,
      compressibility: "random",
      seed: `${repository}`,
    });
    const cli = startCli(
      ["push", image.path, `${proxy.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "-u", username, "--password-stdin", "--json", ...strategyFlags(strategy, resident)],
      { env: ciEnv(work.home, tmp), stdin: password },
    );
    const sampler = startProcessSampler({ roots: () => [cli.pid] });
    const watcher = startDirectoryWatcher([tmp, resident.sharedDir]);
    try {
      await waitUntil(() => uploadedBytes(proxy, repository) >= 1 << 20, `the ${strategy} upload to start (stderr so far: ${cli.stderr()})`, 120_000);
      cli.kill(signal);
      const run = await cli.done;
      const seen = await sampler.stop();
      const written = await watcher.stop();

      expect(run.code, run.stderr).toBe(code);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: "error", error: "PushCancelled", attempts: [{ strategy, outcome: "cancelled", error: "PushCancelled" }] });
      expect(run.stderr).toContain(`${signal}: cancelling the push and cleaning up`);
      // The skopeo strategies really ran their children: skopeo here (native), docker exec (docker-exec).
      const children = seen.descendants.map((child) => child.comm);
      if (strategy === "native") expect(children).toContain("skopeo");
      if (strategy === "docker-exec") expect(children).toContain("docker");
      // The skopeo strategies held the credentials in an authfile while they pushed; it is gone now.
      if (strategy !== "registry") expect(written.filter((entry) => entry.path.endsWith("/auth.json"))).toHaveLength(1);
      // None of them outlived the CLI (a pid reused since would show another command line).
      const survivors = seen.descendants.filter((child) => isRunning(child.pid) && processInfo(child.pid)?.cmdline === child.cmdline);
      expect(survivors.map((child) => `${child.pid} ${child.cmdline}`)).toEqual([]);
      // Nor did skopeo in the container (whose processes show in this host's /proc too).
      expect(await processesMentioning(repository)).toEqual([]);
      expect(await resident.processes()).toEqual([]);
      expect(entriesOf(tmp)).toEqual([]);
      expect(resident.leftovers()).toEqual([]);
      expect(await listTags(basic, repository)).toEqual([]);
      expect(run.stdout + run.stderr).not.toContain(password);
    } finally {
      await watcher.stop();
      await sampler.stop();
      cli.kill("SIGKILL");
    }
  });
});
