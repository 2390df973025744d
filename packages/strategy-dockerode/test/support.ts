import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { testPushRequest, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive, type FixtureFormat } from "@skopush/testkit/fixtures";
import type { StrategyUnderTest } from "@skopush/testkit/contracts";
import { Effect } from "effect";
import { DockerodePushStrategy, SkopeoContainerManager } from "../src/index.js";

const run = promisify(execFile);

/** Runs docker and answers its stdout. */
export const docker = async (...args: string[]): Promise<string> => (await run("docker", args)).stdout;

/** A unique container name for one test file, and a shared directory of its own. */
export const testNames = () => ({
  name: `skopush-test-${randomBytes(5).toString("hex")}`,
  sharedDir: mkdtempSync(join(tmpdir(), "skopush-test-share-")),
});

/** The environment that points dockerode at the test daemon. */
export const dockerEnv = (environment: TestEnvironment): Record<string, string | undefined> => ({
  ...process.env,
  DOCKER_HOST: `unix://${environment.dockerSocket}`,
});

/** Files left in a shared directory. */
export const leftovers = (dir: string): string[] => readdirSync(dir);

/** What skopush left in the container's /tmp (upload mode), listed with the container's shell. */
export const containerLeftovers = async (name: string): Promise<string[]> => {
  const out = await docker("exec", name, "sh", "-c", 'for f in /tmp/skopush-*; do [ -e "$f" ] && echo "$f"; done; true');
  return out.split("\n").filter(Boolean);
};

/** Removes a container and a directory, whatever state they are in. */
export const removeAll = async (name: string, dir: string): Promise<void> => {
  await run("docker", ["rm", "-f", name]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
};

/** A push request to `registry`, with its credentials and TLS settings, to a fresh repository. */
export const pushRequest = testPushRequest;

/** Writes a fixture archive into `dir`. */
export const archive = (dir: string, format: FixtureFormat, seed: string, layers = 2, layerSize = 64 * 1024) =>
  writeImageArchive(join(dir, `${seed}-${format}.tar`), { format, seed, layers, layerSize });

/**
 * The shared contract's target: a fresh resident container (created by the manager, with the shared
 * directory mounted) and a strategy that reaches it by `transfer`; upload mode also checks the container's /tmp.
 */
export const contractTarget = async (environment: TestEnvironment, transfer: "shared-directory" | "upload"): Promise<StrategyUnderTest> => {
  const { name, sharedDir } = testNames();
  const options = { containerName: name, image: environment.skopeoImage, sharedDir: { hostPath: sharedDir }, env: dockerEnv(environment) };
  await Effect.runPromise(new SkopeoContainerManager(options).ensure());
  return {
    strategy: new DockerodePushStrategy(transfer === "upload" ? { ...options, transfer } : options),
    leftovers: async () => (transfer === "upload" ? [...leftovers(sharedDir), ...(await containerLeftovers(name))] : leftovers(sharedDir)),
    cleanup: () => removeAll(name, sharedDir),
  };
};
