import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import {
  entriesOf,
  pathsOpenToOthers,
  secretForms,
  startDirectoryWatcher,
  startProcessSampler,
  startResidentContainer,
  textsHoldingSecrets,
  type ResidentContainer,
} from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, startCli } from "../spawn-cli.js";
import { ciEnv, freshDir, scratch, STRATEGIES, strategyFlags, uniqueRepository } from "./support.js";

// `skopush push` with a password, through each strategy: the password never shows in any process's argv
// or environment (sampled from /proc while the push runs), nor in the output (progress, result, --json,
// errors), nor as the base64 `user:pass` of an auth header or auth file; the files the push writes are
// private while they exist and gone afterwards. Given on stdin, no process holds it; given in
// SKOPUSH_PASSWORD, only skopush itself does (its environment is what the user gave it): no child does.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = await scratch("secrets");
  resident = await startResidentContainer({ image: environment.skopeoImage });
});

afterAll(async () => {
  await resident?.remove();
  await work?.cleanup();
});

type PasswordSource = "--password-stdin" | "SKOPUSH_PASSWORD";

/** Runs one push with the password from `source`, watching /proc and the directories the push writes in. */
const pushWatched = async (strategy: string, source: PasswordSource, password: string) => {
  const basic = environment.registry("basic");
  const username = basic.credentials!.username;
  const tmp = await freshDir(work.dir, `tmp-${strategy}`);
  const image = await writeImageArchive(join(work.dir, `${strategy}-${randomBytes(3).toString("hex")}.tar`), {
    format: "docker-legacy",
    layers: 3,
    layerSize: 4 << 20,
    compressibility: "random",
    seed: `cli-secrets-${randomBytes(6).toString("hex")}`,
  });
  const repository = uniqueRepository(`secrets-${strategy}`);
  const argv = ["push", image.path, `${basic.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "--json", ...strategyFlags(strategy, resident)];
  const cli =
    source === "--password-stdin"
      ? startCli([...argv, "-u", username, "--password-stdin"], { env: ciEnv(work.home, tmp), stdin: password })
      : startCli(argv, { env: ciEnv(work.home, tmp, { SKOPUSH_USERNAME: username, SKOPUSH_PASSWORD: password }) });
  const secrets = secretForms(username, password);
  const sampler = startProcessSampler({
    secrets,
    // The one process the user handed the password to in its environment.
    allowed: (pid, where) => source === "SKOPUSH_PASSWORD" && pid === cli.pid && where === "environ",
    roots: () => [cli.pid],
    intervalMs: 5,
  });
  const watcher = startDirectoryWatcher([tmp, resident.sharedDir, work.home], 5);
  const run = await cli.done;
  const seen = await sampler.stop();
  const written = await watcher.stop();
  return { run, seen, written, secrets, tmp, repository, image, basic };
};

describe.each(STRATEGIES)("skopush push --strategy %s with a password", (strategy) => {
  it.each<PasswordSource>(["--password-stdin", "SKOPUSH_PASSWORD"])(
    "from %s: in no child's argv or environment, not in the output; its files private and gone",
    async (source) => {
      const { run, seen, written, secrets, tmp, repository, image, basic } = await pushWatched(strategy, source, basicPassword());
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { method: string; digest: string };
      expect(result.method).toBe(strategy);
      expect(result.digest).toBe((await readManifest(basic, repository, "v1")).digest);
      expect(seen.samples).toBeGreaterThan(3);
      // The children really ran while the sampler watched: skopeo here (native), docker exec (docker-exec).
      if (strategy === "native") expect(seen.descendants.map((child) => child.comm)).toContain("skopeo");
      if (strategy === "docker-exec") expect(seen.descendants.map((child) => child.comm)).toContain("docker");
      expect(seen.sightings).toEqual([]);
      expect(textsHoldingSecrets([run.stdout, run.stderr], secrets)).toEqual([]);
      if (strategy !== "registry") expect(written.filter((entry) => entry.path.endsWith("/auth.json"))).toHaveLength(1);
      expect(pathsOpenToOthers(written.filter((entry) => !entry.path.startsWith(work.home)), image.path)).toEqual([]);
      expect(entriesOf(tmp)).toEqual([]);
      expect(resident.leftovers()).toEqual([]);
    },
  );

  it("a wrong password: AuthenticationFailed, exit 1, and the password in no output and no process", async () => {
    const wrong = `wrong:pa$$-${randomBytes(6).toString("hex")}`;
    const { run, seen, secrets, tmp } = await pushWatched(strategy, "--password-stdin", wrong);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "error", error: "AuthenticationFailed" });
    expect(seen.sightings).toEqual([]);
    expect(textsHoldingSecrets([run.stdout, run.stderr], secrets)).toEqual([]);
    expect(entriesOf(tmp)).toEqual([]);
    expect(resident.leftovers()).toEqual([]);
  });
});

const basicPassword = () => environment.registry("basic").credentials!.password;
