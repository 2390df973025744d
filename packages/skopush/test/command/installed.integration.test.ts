import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueImage, uniqueRepository } from "../hardening/support.js";

// `npx skopush` as users get it: right after `npm ci` in a clone (nothing built yet), and from the packed
// `skopush` package installed into an app of its own. npm works from its cache first (--prefer-offline).
const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

let env: TestEnvironment;
let dir: string;
let archive: string;

const exec = async (file: string, args: ReadonlyArray<string>, cwd: string, extraEnv: Record<string, string> = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, [...args], { cwd, env: { ...process.env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

/** `npx skopush push` of the test archive through the registry strategy; the registry must store what it printed. */
const pushesWithNpx = async (cwd: string, label: string) => {
  const registry = env.registry("basic");
  const repository = uniqueRepository(label);
  const reference = `${registry.host}/${repository}:1`;
  // Credentials through a containers auth.json, not the environment: other tests scan every process's
  // environment for the shared test password while they push.
  const authFile = join(dir, `auth-${label}.json`);
  const { username, password } = registry.credentials!;
  await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } } }), { mode: 0o600 });
  const result = await exec("npx", ["--no-install", "skopush", "push", archive, reference, "--strategy", "registry", "--ca-cert", registry.caFile ?? "", "--authfile", authFile, "-q"], cwd);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(`${reference}@${(await readManifest(registry, repository, "1")).digest}\n`);
};

beforeAll(async () => {
  env = await loadTestEnvironment();
  dir = await mkdtemp(join(tmpdir(), "skopush-installed-"));
  archive = (await uniqueImage(dir, "installed")).path;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npx skopush", () => {
  it("works right after npm ci in a clone, before anything is built (the clone is of HEAD)", async () => {
    const clone = join(dir, "clone");
    expect((await exec("git", ["clone", "--quiet", "--no-hardlinks", REPO, clone], dir)).code).toBe(0);
    const install = await exec("npm", ["ci", ...NPM_FLAGS], clone);
    expect(install.stderr).not.toMatch(/ERR!/);
    expect(install.code).toBe(0);
    // Nothing was compiled: tsc's output is absent, only the bundle exists.
    expect(existsSync(join(clone, "packages/cli/dist"))).toBe(false);
    const version = await exec("npx", ["--no-install", "skopush", "--version"], clone);
    expect(version).toMatchObject({ code: 0, stderr: "" });
    expect(version.stdout).toMatch(/^skopush \d+\.\d+\.\d+\n$/);
    await pushesWithNpx(clone, "installed-clone");
  }, 300_000);

  it("works in an app that installed the packed skopush package", async () => {
    const packs = join(dir, "packs");
    await mkdir(packs);
    const names = await workspaceDependencies("skopush");
    const pack = await exec("npm", ["pack", "--pack-destination", packs, ...names.flatMap((name) => ["-w", name]), "--loglevel=error"], REPO);
    expect(pack.code).toBe(0);
    const app = join(dir, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "skopush-consumer", private: true, version: "1.0.0" }));
    const tarballs = (await readdir(packs)).filter((name) => name.endsWith(".tgz")).map((name) => join(packs, name));
    expect(tarballs).toHaveLength(names.length);
    const install = await exec("npm", ["install", ...NPM_FLAGS, ...tarballs], app);
    expect(install.code).toBe(0);
    const version = await exec("npx", ["--no-install", "skopush", "--version"], app);
    expect(version).toMatchObject({ code: 0, stderr: "" });
    await pushesWithNpx(app, "installed-app");
  }, 300_000);
});

/** `name` and every workspace package it depends on, directly or not (what its install needs from us). */
const workspaceDependencies = async (name: string): Promise<string[]> => {
  const directories = (await readdir(join(REPO, "packages"))).map((entry) => join(REPO, "packages", entry));
  const manifests = new Map<string, { dependencies?: Record<string, string> }>();
  for (const directory of directories) {
    const manifest = JSON.parse(await readFile(join(directory, "package.json"), "utf8")) as { name: string; dependencies?: Record<string, string> };
    manifests.set(manifest.name, manifest);
  }
  const needed = new Set<string>();
  const visit = (current: string) => {
    if (needed.has(current) || !manifests.has(current)) return;
    needed.add(current);
    for (const dependency of Object.keys(manifests.get(current)?.dependencies ?? {})) visit(dependency);
  };
  visit(name);
  return [...needed];
};
