import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, runCli } from "./spawn-cli.js";

// The habits skopeo, crane and docker users bring, against the real registries with the built command:
// skopeo's --authfile and --digestfile, --verbose/--debug, `reference@digest` as stdout's last line, and
// shell completion loaded by real bash, zsh and fish.

let environment: TestEnvironment;
let work: string;
let home: string;
let archive: string;

const env = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CI: "1", NO_COLOR: "1", ...extra });
/**
 * A containers auth.json for `registry` (credentials are not put in children's environments: other tests
 * scan every process's environment for the shared test password while they push).
 */
const authFileFor = (registry: TestRegistry, label: string): string => {
  const { username, password } = registry.credentials!;
  const path = join(work, `auth-${label}.json`);
  writeFileSync(path, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } } }), { mode: 0o600 });
  return path;
};
const repo = (label: string) => `cli/${label}-${randomBytes(4).toString("hex")}`;
const endpoint = (registry: TestRegistry) => ({ url: registry.url, caFile: registry.caFile, credentials: registry.credentials });

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = mkdtempSync(join(tmpdir(), "skopush-cli-habits-"));
  home = join(work, "home");
  mkdirSync(home);
  archive = (await writeImageArchive(join(work, "small.tar"), { format: "docker-legacy", layers: 2, layerSize: 128 * 1024, seed: `habits-${randomBytes(4).toString("hex")}` })).path;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("skopeo's flags", () => {
  for (const strategy of ["native", "registry"]) {
    it(`--authfile and --digestfile (${strategy}): credentials from that auth.json, the digest written as skopeo writes it`, async () => {
      const basic = environment.registry("basic");
      const { username, password } = basic.credentials!;
      const authFile = join(work, `auth-${strategy}.json`);
      writeFileSync(authFile, JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } } }), { mode: 0o600 });
      const digestFile = join(work, `digest-${strategy}`);
      const repository = repo(`authfile-${strategy}`);
      const run = await runCli(
        ["push", archive, `${basic.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "--authfile", authFile, "--digestfile", digestFile, "--strategy", strategy, "--verbose"],
        { env: env() },
      );
      expect(run.code, run.stderr).toBe(0);
      const digest = (await readManifest(endpoint(basic), repository, "v1")).digest;
      expect(readFileSync(digestFile, "utf8")).toBe(digest);
      expect(run.stdout.trim().split("\n").at(-1)).toBe(`${basic.host}/${repository}:v1@${digest}`);
      expect(run.stderr).toContain(`credentials for ${basic.host}: user ${username}, from ${authFile} (auths["${basic.host}"])`);
      expect(run.stdout + run.stderr).not.toContain(password);
    });
  }

  it("--dest-tls-verify=false and --dest-creds are answered with skopush's equivalents (exit 2, the value never echoed)", async () => {
    const tls = environment.registry("tls");
    const insecure = await runCli(["push", archive, `${tls.host}/${repo("habit")}:v1`, "--dest-tls-verify=false"], { env: env() });
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toContain("turns it off with --insecure");
    const creds = await runCli(["push", archive, `${tls.host}/${repo("habit")}:v1`, "--dest-creds", "robot:hunter2"], { env: env() });
    expect(creds.code).toBe(2);
    expect(creds.stderr).toContain("--dest-creds: a password or token on the command line is not accepted");
    expect(creds.stdout + creds.stderr).not.toContain("hunter2");
  });
});

describe("--verbose / --debug", () => {
  it("registry strategy: the decisions and every HTTP request, without credentials, tokens or query strings", async () => {
    const token = environment.registry("token");
    const { username, password } = token.credentials!;
    const authFile = authFileFor(token, "debug-registry");
    // The token registry's Harbor stand-in knows the project skopush.
    const repository = `skopush/debug-${randomBytes(4).toString("hex")}`;
    const run = await runCli(["push", archive, `${token.host}/${repository}:v1`, "--ca-cert", token.caFile!, "--strategy", "registry", "--authfile", authFile, "--debug"], {
      env: env(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`credentials for ${token.host}: user ${username}, from ${authFile} (auths["${token.host}"])`);
    expect(run.stderr).toContain("strategy: registry is available (skopush's own registry client (no skopeo, no Docker)): pushing with it");
    expect(run.stderr).toMatch(new RegExp(`http: GET https://${token.host}/v2/ → 401 \\(\\d+ ms\\)`));
    expect(run.stderr).toMatch(/http: GET https:\/\/127\.0\.0\.1:\d+\/service\/token\?… → 200/);
    expect(run.stderr).toMatch(new RegExp(`http: HEAD https://${token.host}/v2/${repository}/blobs/sha256:[0-9a-f]{64} → 404`));
    expect(run.stderr).toMatch(new RegExp(`http: PUT https://${token.host}/v2/${repository}/manifests/v1 → 201`));
    expect(run.stderr).not.toContain(password);
    expect(run.stderr).not.toMatch(/Bearer|Basic |scope=|_state=/);
  });

  it("native: the skopeo command line, which holds no secret (the authfile is named by its path only)", async () => {
    const basic = environment.registry("basic");
    const { password } = basic.credentials!;
    const repository = repo("debug-native");
    const run = await runCli(["push", archive, `${basic.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "--strategy", "native", "--authfile", authFileFor(basic, "debug-native"), "--verbose"], {
      env: env(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`command: native: skopeo copy .*--dest-authfile \\S+/auth\\.json .*docker://${basic.host}/${repository}:v1`));
    expect(run.stderr).not.toContain(password);
  });
});

describe("shell completion", () => {
  const script = async (shell: string) => (await runCli(["completion", shell], { env: env() })).stdout;
  const shell = async (program: string, code: string) => (await promisify(execFile)(program, ["-c", code], { env: env() })).stdout;

  it("bash: completes commands, flags (by prefix), strategies and service actions", async () => {
    const file = join(work, "skopush.bash");
    writeFileSync(file, await script("bash"));
    const complete = (words: string) =>
      shell("bash", `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _skopush; printf '%s\\n' "\${COMPREPLY[@]}"`);
    expect((await complete("skopush pu")).trim().split("\n")).toEqual(["push", "push-many"]);
    expect((await complete("skopush push-m")).trim()).toBe("push-many");
    expect((await complete("skopush push-many plan.json --con")).trim().split("\n")).toEqual(["--concurrency", "--container"]);
    expect((await complete("skopush push a.tar r/p:1 --strat")).trim()).toBe("--strategy");
    expect((await complete("skopush push a.tar --strategy ''")).trim().split("\n")).toEqual(["docker-exec", "dockerode", "native", "registry"]);
    expect((await complete("skopush service ''")).trim().split("\n")).toContain("logs");
  });

  it("zsh: the script loads and registers _skopush for skopush", async () => {
    const file = join(work, "skopush.zsh");
    writeFileSync(file, await script("zsh"));
    expect((await shell("zsh", `autoload -U compinit; compinit -u -d ${join(work, "zcompdump")}; source ${file}; print $_comps[skopush]`)).trim()).toBe("_skopush");
  });

  it("fish: completes flags with their descriptions, and strategies", async () => {
    const file = join(work, "skopush.fish");
    writeFileSync(file, await script("fish"));
    const completions = await shell("fish", `source ${file}; complete -C 'skopush push a.tar r/p:1 --strat'; complete -C 'skopush push a.tar --strategy '`);
    expect(completions).toContain("--strategy\ttry only these strategies, in this order");
    expect(completions).toMatch(/^registry\t/m);
  });
});
