import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Every package as a registry user gets it: packed, installed from the tarballs into an app outside the
// workspace (third-party packages from the npm registry, through npm's cache first), type-checked with
// skipLibCheck off, and used: a composed chain, child-container overrides, the testkit fakes under the
// app's vitest, and real pushes through pushImage and skopeoPushToHarbor. Twice: at the workspace's pins
// and at the other end of the peer ranges (docs/packaging.md).
const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const APP_FIXTURE = fileURLToPath(new URL("./consumer-app/", import.meta.url));
const NPM_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];
const workspacePins = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { devDependencies: Record<string, string> };

/** The peer dependencies each app installs at its top level. */
const VARIANTS = [
  { label: "workspace pins", peers: { tsyringe: workspacePins.devDependencies.tsyringe!, "reflect-metadata": workspacePins.devDependencies["reflect-metadata"]!, effect: workspacePins.devDependencies.effect! } },
  { label: "the ranges' other ends", peers: { tsyringe: "4.9.1", "reflect-metadata": "0.2.0", effect: "4.1.5" } },
] as const;

let env: TestEnvironment;
let dir: string;
let packs: string;
let tarballs: string[];
let archive: string;

const exec = async (file: string, args: ReadonlyArray<string>, cwd: string) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

/** Runs a command that must succeed; its output is in the failure message when it does not. */
const run = async (file: string, args: ReadonlyArray<string>, cwd: string) => {
  const result = await exec(file, args, cwd);
  expect(result.code, `${file} ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
};

beforeAll(async () => {
  env = await loadTestEnvironment();
  dir = await mkdtemp(join(tmpdir(), "skopush-packages-"));
  packs = join(dir, "packs");
  await mkdir(packs);
  const workspaces = (await readdir(join(REPO, "packages"))).map((name) => `packages/${name}`);
  await run("npm", ["pack", "--pack-destination", packs, ...workspaces.flatMap((w) => ["-w", w]), "--loglevel=error"], REPO);
  tarballs = (await readdir(packs)).filter((name) => name.endsWith(".tgz")).map((name) => join(packs, name));
  expect(tarballs).toHaveLength(workspaces.length);
  archive = (await writeImageArchive(join(dir, "app.tar"), { format: "docker-legacy", layers: 2, layerSize: 64 * 1024, seed: `packages-${randomBytes(4).toString("hex")}` })).path;
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("each tarball", () => {
  it("is complete and minimal: LICENSE, no build info, every map's sources and every export target shipped, links that work outside the repository", async () => {
    for (const tarball of tarballs) {
      const unpacked = join(dir, "unpacked", tarball.slice(packs.length + 1));
      await mkdir(unpacked, { recursive: true });
      await run("tar", ["-xzf", tarball, "-C", unpacked], dir);
      const root = join(unpacked, "package");
      const files = new Set((await run("tar", ["-tzf", tarball], dir)).trim().split("\n").map((entry) => entry.replace(/^package\//, "")));
      const where = `in ${tarball}`;
      expect(files.has("LICENSE"), where).toBe(true);
      expect(await readFile(join(root, "LICENSE"), "utf8"), where).toMatch(/Apache License\s+Version 2\.0, January 2004/);
      expect([...files].filter((file) => file.endsWith(".tsbuildinfo")), where).toEqual([]);
      for (const map of [...files].filter((file) => file.endsWith(".map"))) {
        const { sources } = JSON.parse(await readFile(join(root, map), "utf8")) as { sources: string[] };
        for (const source of sources) expect(files.has(normalize(join(dirname(map), source))), `${map}'s ${source} ${where}`).toBe(true);
      }
      const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as Record<string, unknown>;
      const targets = (value: unknown): string[] => (typeof value === "string" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(targets) : []);
      for (const target of [...targets(manifest.exports), ...targets(manifest.bin)]) expect(files.has(normalize(target)), `${target} ${where}`).toBe(true);
      // npm lists these as install scripts to approve in every app that installs the package.
      const installScripts = Object.keys((manifest.scripts ?? {}) as Record<string, string>).filter((name) => ["preinstall", "install", "postinstall", "prepare"].includes(name));
      expect(installScripts, `install-time scripts ${where}`).toEqual([]);
      expect(manifest, where).toMatchObject({ license: "Apache-2.0", repository: { type: "git", url: expect.any(String) }, homepage: expect.any(String), bugs: { url: expect.any(String) } });
      const readme = await readFile(join(root, "README.md"), "utf8");
      expect(readme.match(/\]\((?!https:\/\/|#)[^)]*\)/g) ?? [], `relative links in the README ${where}`).toEqual([]);
    }
  });
});

describe.each(VARIANTS)("an app installed from the tarballs, with $label", ({ label, peers }) => {
  let app: string;

  beforeAll(async () => {
    app = join(dir, `app-${label.replace(/\W+/g, "-")}`);
    await cp(APP_FIXTURE, app, { recursive: true });
    const devDependencies = Object.fromEntries(["typescript", "vitest", "vite", "@types/node"].map((name) => [name, workspacePins.devDependencies[name]!]));
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({ name: "skopush-consumer", private: true, version: "1.0.0", type: "module", dependencies: peers, devDependencies }),
    );
    await run("npm", ["install", ...NPM_FLAGS, ...tarballs], app);
  }, 300_000);

  it("holds exactly one tsyringe, reflect-metadata and effect, the versions the app asked for", async () => {
    for (const [name, version] of Object.entries(peers)) {
      const copies = (await run("npm", ["ls", name, "--all", "--parseable", "--long"], app)).trim().split("\n");
      expect(copies, name).toHaveLength(1);
      expect(copies[0], name).toMatch(new RegExp(`:${name}@${version.replace(/\./g, "\\.")}(:|$)`));
    }
  });

  it("type-checks with skipLibCheck off and runs the testkit fakes under the app's vitest", async () => {
    await run("npx", ["--no-install", "tsc", "-p", "."], app);
    const tests = await run("npx", ["--no-install", "vitest", "run"], app);
    expect(tests).toMatch(/1 passed/);
  }, 180_000);

  it("composes a chain with its own strategy, keeps child overrides per container, pushes for real, and loads from CommonJS", async () => {
    await run("npx", ["--no-install", "tsc", "-p", "."], app);
    // A CommonJS module of the app (src/commonjs.cts, module NodeNext) requires skopush: require(esm), docs/packaging.md.
    expect(JSON.parse(await run("node", ["dist/src/commonjs.cjs"], app))).toEqual({ pushImage: "function", resolvePusher: "function" });
    const registry = env.registry("basic");
    const repository = `packages/app-${randomBytes(4).toString("hex")}`;
    const targetFile = join(app, "target.json");
    await writeFile(targetFile, JSON.stringify({ archive, host: registry.host, caFile: registry.caFile, ...registry.credentials, repository }), { mode: 0o600 });
    const report = JSON.parse(await run("node", ["dist/src/main.js", targetFile], app)) as Record<string, { status: string; digest?: string; method?: string; message?: string }> & {
      overrides: Array<{ names: string[]; distinct: number }>;
    };
    expect(report.overrides).toEqual([
      { names: ["parent", "first", "parent"], distinct: 3 },
      { names: ["parent", "first", "parent"], distinct: 3 },
    ]);
    const endpoint = { url: registry.url, caFile: registry.caFile, credentials: registry.credentials };
    for (const [key, tag, method] of [["composed", "composed", "app-strategy"], ["pushImage", "push-image", undefined], ["seed", "seed", undefined]] as const) {
      expect(report[key], key).toMatchObject({ status: "success", ...(method ? { method } : {}) });
      expect(report[key]!.digest, key).toBe((await readManifest(endpoint, repository, tag)).digest);
    }
  }, 180_000);
});
