import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueImage, uniqueRepository } from "../hardening/support.js";

// The one-file form of the command (packages/skopush/dist/skopush.cjs, built by the integration project's
// global setup), copied alone into an empty directory far from any node_modules: a machine with only Node.
const BUNDLE = fileURLToPath(new URL("../../dist/skopush.cjs", import.meta.url));

let env: TestEnvironment;
let dir: string;
let command: string;
let resident: ResidentContainer;
let archive: string;

// Credentials through a containers auth.json, not the environment: other tests scan every process's
// environment for the shared test password while they push.
const run = async (args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}) => {
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, REGISTRY_AUTH_FILE: join(dir, "auth.json"), ...extraEnv };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [command, ...args], { env: childEnv, cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

beforeAll(async () => {
  env = await loadTestEnvironment();
  dir = await mkdtemp(join(tmpdir(), "skopush-one-file-"));
  command = join(dir, "skopush.cjs");
  await copyFile(BUNDLE, command);
  archive = (await uniqueImage(dir, "one-file")).path;
  const basic = env.registry("basic");
  const { username, password } = basic.credentials!;
  await writeFile(join(dir, "auth.json"), JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } } }), { mode: 0o600 });
  resident = await startResidentContainer({ image: env.skopeoImage, namePrefix: "skopush-one-file" });
});

afterAll(async () => {
  await resident?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the one-file skopush, alone in a directory", () => {
  it("answers --version and version", async () => {
    for (const args of [["--version"], ["version"]]) {
      const result = await run(args);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toMatch(/^skopush \d+\.\d+\.\d+\n$/);
    }
  });

  for (const strategy of ["registry", "native", "docker-exec"] as const) {
    it(`pushes with ${strategy}: the digest it prints is the one the registry stores`, async () => {
      const registry = env.registry("basic");
      const repository = uniqueRepository(`one-file-${strategy}`);
      const reference = `${registry.host}/${repository}:1`;
      const containerFlags = strategy === "docker-exec" ? ["--container", resident.name, "--shared-dir", resident.sharedDir] : [];
      const result = await run(["push", archive, reference, "--strategy", strategy, "--ca-cert", registry.caFile ?? "", "-q", ...containerFlags]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const stored = await readManifest(registry, repository, "1");
      expect(result.stdout).toBe(`${reference}@${stored.digest}\n`);
    });
  }

  it("keeps its compiled code in the user's cache after a successful run, and runs from it", async () => {
    const cacheDir = join(dir, "compile-cache");
    const registry = env.registry("basic");
    const repository = uniqueRepository("one-file-cache");
    const args = ["push", archive, `${registry.host}/${repository}:1`, "--strategy", "registry", "--ca-cert", registry.caFile ?? "", "-q"];
    const first = await run(args, { SKOPUSH_COMPILE_CACHE: cacheDir });
    expect(first.code).toBe(0);
    const files = await readdir(cacheDir);
    expect(files).toEqual([expect.stringMatching(/-push-registry\.v8$/)]);
    const second = await run(args, { SKOPUSH_COMPILE_CACHE: cacheDir });
    expect(second).toEqual(first);
    expect(await readdir(cacheDir)).toEqual(files);
  });

  it("runs when its cached code was damaged on disk, and writes the cache again (red team of issue 16)", async () => {
    const cacheDir = join(dir, "compile-cache-damaged");
    const registry = env.registry("basic");
    const repository = uniqueRepository("one-file-damaged-cache");
    const args = ["push", archive, `${registry.host}/${repository}:1`, "--strategy", "registry", "--ca-cert", registry.caFile ?? "", "-q"];
    expect((await run(args, { SKOPUSH_COMPILE_CACHE: cacheDir })).code).toBe(0);
    const [file] = await readdir(cacheDir);
    const path = join(cacheDir, file ?? "");
    const damaged = await readFile(path);
    // A disk error or a bad copy: bytes of the body change, its header (which V8 checks) does not.
    for (let i = 0; i < 2000; i++) {
      const at = 256 + ((i * 7919) % (damaged.length - 256));
      damaged.writeUInt8(damaged.readUInt8(at) ^ 0x5a, at);
    }
    await writeFile(path, damaged, { mode: 0o600 });
    const result = await run(args, { SKOPUSH_COMPILE_CACHE: cacheDir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const stored = await readManifest(registry, repository, "1");
    expect(result.stdout).toBe(`${registry.host}/${repository}:1@${stored.digest}\n`);
    expect((await readFile(path)).equals(damaged)).toBe(false);
  });
});
