import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTags, loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { storedTags } from "@skopush/testkit/hardening";
import { assertBuilt, runCli } from "./spawn-cli.js";

let environment: TestEnvironment;
let work: string;
let home: string;
let tmp: string;
let hostBin: string;
let smallArchive: string;

/** The environment a CI job would give the CLI: no credentials, no auth files, a private TMPDIR. */
const baseEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TMPDIR: tmp, CI: "1", NO_COLOR: "1" });
const repo = (label: string) => `cli/${label}-${randomBytes(4).toString("hex")}`;
const endpoint = (registry: TestRegistry) => ({ url: registry.url, caFile: registry.caFile, credentials: registry.credentials });

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = mkdtempSync(join(tmpdir(), "skopush-cli-it-"));
  home = join(work, "home");
  tmp = join(work, "tmp");
  hostBin = join(work, "bin");
  for (const dir of [home, tmp, hostBin]) mkdirSync(dir);
  smallArchive = (await writeImageArchive(join(work, "small.tar"), { format: "docker-legacy", layers: 2, layerSize: 256 * 1024, seed: `cli-small-${randomBytes(4).toString("hex")}` })).path;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("skopush push (the built binary, against the real registries)", () => {
  it("pushes to the TLS registry; the digest it prints is the manifest the registry serves", async () => {
    const tls = environment.registry("tls");
    const repository = repo("push");
    const run = await runCli(["push", smallArchive, `${tls.host}/${repository}:v1`, "--ca-cert", tls.caFile!], { env: baseEnv() });
    expect(run.stderr).toContain("docker-exec: skopeo in container skopeo-service");
    expect(run.code, run.stderr).toBe(0);
    // As crane prints it: stdout's last (and only) line is the pushed reference@digest; the summary is on stderr.
    const digest = (await readManifest(endpoint(tls), repository, "v1")).digest;
    expect(run.stdout).toBe(`${tls.host}/${repository}:v1@${digest}\n`);
    expect(run.stderr).toMatch(new RegExp(`✔ pushed ${tls.host}/${repository}:v1 ${digest} with \\S+ in `));
  });

  it("--json prints one line whose digest matches the registry's, on success", async () => {
    const tls = environment.registry("tls");
    const repository = repo("json");
    const run = await runCli(["push", smallArchive, `${tls.host}/${repository}:v1`, "--ca-cert", tls.caFile!, "--json", "--strategy", "native,registry"], {
      env: baseEnv(),
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result).toMatchObject({ status: "success", image: `${tls.host}/${repository}:v1`, method: "native" });
    expect(result.digest).toBe((await readManifest(endpoint(tls), repository, "v1")).digest);
    expect(typeof result.durationMs).toBe("number");
  });

  it.each(["zstd", "none"] as const)("--compression %s: the layers read back are of that kind and --json says it", async (choice) => {
    const tls = environment.registry("tls");
    const repository = repo(`compression-${choice}`);
    // Layers of their own: skopeo 1.9.3's blob-info cache would reuse the gzip blobs of an earlier push of
    // smallArchive for a zstd push (and compression would honestly say gzip); docs/compression.md.
    const archive = (await writeImageArchive(join(work, `compression-${choice}.tar`), { format: "docker-legacy", layers: 2, layerSize: 256 * 1024, seed: `cli-compression-${randomBytes(4).toString("hex")}` })).path;
    const run = await runCli(
      ["push", archive, `${tls.host}/${repository}:v1`, "--ca-cert", tls.caFile!, "--json", "--strategy", "native,registry", "--compression", choice],
      { env: baseEnv() },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    // skopeo sends zstd itself; it cannot send uncompressed layers, so none falls to the registry strategy.
    expect(result).toMatchObject({ status: "success", compression: choice, method: choice === "zstd" ? "native" : "registry" });
    const manifest = await readManifest(endpoint(tls), repository, "v1");
    expect(result.digest).toBe(manifest.digest);
    const layerType = choice === "zstd" ? "application/vnd.oci.image.layer.v1.tar+zstd" : "application/vnd.docker.image.rootfs.diff.tar";
    expect((manifest.json.layers ?? []).map((l) => l.mediaType)).toEqual([layerType, layerType]);
  });

  it("--compression refuses an unknown choice as a usage error (exit 2)", async () => {
    const tls = environment.registry("tls");
    const run = await runCli(["push", smallArchive, `${tls.host}/${repo("compression-bad")}:v1`, "--compression", "brotli"], { env: baseEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--compression must be gzip, zstd, none");
  });

  it("--json prints one line on failure too: no credentials for the auth registry, exit 1", async () => {
    const basic = environment.registry("basic");
    const repository = repo("denied");
    const run = await runCli(["push", smallArchive, `${basic.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "--json", "--strategy", "native"], {
      env: baseEnv(),
    });
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ status: "error", error: "AuthenticationFailed", attempts: [{ strategy: "native", outcome: "failed" }] });
    expect(await listTags(endpoint(basic), repository)).toEqual([]);
  });

  it("--password-stdin pushes to the registry with Basic auth; the password appears in no output", async () => {
    const basic = environment.registry("basic");
    const { username, password } = basic.credentials!;
    const repository = repo("stdin");
    const run = await runCli(
      ["push", smallArchive, `${basic.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "--username", username, "--password-stdin", "--json", "--strategy", "native"],
      { env: baseEnv(), stdin: `${password}\n` },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.digest).toBe((await readManifest(endpoint(basic), repository, "v1")).digest);
    expect(run.stdout + run.stderr).not.toContain(password);
  });

  it("reads credentials from SKOPUSH_USERNAME/SKOPUSH_PASSWORD when no flag gives them", async () => {
    const basic = environment.registry("basic");
    const { username, password } = basic.credentials!;
    const repository = repo("env");
    const run = await runCli(["push", smallArchive, `${basic.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "--quiet", "--strategy", "registry"], {
      env: { ...baseEnv(), SKOPUSH_USERNAME: username, SKOPUSH_PASSWORD: password },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${basic.host}/${repository}:v1@${(await readManifest(endpoint(basic), repository, "v1")).digest}\n`);
  });

  it("verifies TLS by default: without --ca-cert the push to the test CA's registry fails", async () => {
    const tls = environment.registry("tls");
    const run = await runCli(["push", smallArchive, `${tls.host}/${repo("untrusted")}:v1`, "--json", "--strategy", "registry"], { env: baseEnv() });
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "error", error: "TlsVerificationFailed" });
  });

  it.each([
    ["an invalid reference", (host: string, repository: string) => ["push", "ARCHIVE", `${host}/${repository.replace("cli/", "Cli/")}:v1`], "InvalidReference"],
    ["a missing archive", (host: string, repository: string) => ["push", "/nonexistent/image.tar", `${host}/${repository}:v1`], "ArchiveInvalid"],
    ["a password flag", (host: string, repository: string) => ["push", "ARCHIVE", `${host}/${repository}:v1`, "--password", "hunter2"], "UsageError"],
    ["an unknown flag", (host: string, repository: string) => ["push", "ARCHIVE", `${host}/${repository}:v1`, "--frobnicate"], "UsageError"],
  ])("exits 2 on %s, with a JSON line and nothing pushed", async (_name, argv, tag) => {
    const tls = environment.registry("tls");
    const repository = repo("refused");
    // Everything a push needs but the one bad input: the test CA is trusted, so only the check stops it.
    const args = argv(tls.host, repository).map((arg) => (arg === "ARCHIVE" ? smallArchive : arg));
    const run = await runCli([...args, "--json", "--ca-cert", tls.caFile!], { env: baseEnv() });
    expect(run.code, run.stderr).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "error", error: tag });
    expect(run.stdout + run.stderr).not.toContain("hunter2");
    // Read from the registry's storage, so even a repository name the API refuses is looked for.
    expect(storedTags(tls, repository)).toEqual([]);
    expect(storedTags(tls, repository.replace("cli/", "Cli/"))).toEqual([]);
  });
  // SIGINT and SIGTERM mid-push, for every strategy: hardening/interrupt.integration.test.ts.
});

describe("skopush push to Harbor (the token registry and the Harbor stand-in)", () => {
  const harborPush = (args: string[], account: { username: string; password: string }) =>
    runCli(
      ["push", smallArchive, ...args, "--harbor-url", environment.harbor.url, "--ca-cert", environment.harbor.caFile, "-u", account.username, "--password-stdin", "--json", "--strategy", "native"],
      { env: baseEnv(), stdin: account.password },
    );

  it("--ensure-project creates the missing project, then pushes; the digest is what the registry serves", async () => {
    const token = environment.registry("token");
    const { accounts } = environment.harbor;
    const project = `cli-${randomBytes(4).toString("hex")}`;
    const run = await harborPush([`${token.host}/${project}/app:v1`, "--ensure-project"], accounts.developer);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.digest).toBe((await readManifest({ ...endpoint(token), credentials: accounts.admin }, `${project}/app`, "v1")).digest);
    const { calls } = await environment.harborRecords();
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/v2.0/projects" && c.status === 201 && c.username === accounts.developer.username)).toBe(true);
    expect(run.stdout + run.stderr).not.toContain(accounts.developer.password);
  });

  it("stops before the push with ProjectNotFound, naming --ensure-project, when the project is missing", async () => {
    const token = environment.registry("token");
    const project = `cli-missing-${randomBytes(4).toString("hex")}`;
    const run = await harborPush([`${token.host}/${project}/app:v1`, "--ephemeral-robot"], environment.harbor.accounts.projectAdmin);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: "error", error: "ProjectNotFound", attempts: [] });
    expect(result.message).toContain("--ensure-project");
  });

  it("--ephemeral-robot pushes with a robot made for the push and deletes it afterwards", async () => {
    const token = environment.registry("token");
    const { accounts, project } = environment.harbor;
    const repository = `${project}/cli-ephemeral-${randomBytes(4).toString("hex")}`;
    const before = (await environment.harborRecords()).calls.length;
    const run = await harborPush([`${token.host}/${repository}:v1`, "--ephemeral-robot"], accounts.projectAdmin);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).digest).toBe((await readManifest(endpoint(token), repository, "v1")).digest);
    const calls = (await environment.harborRecords()).calls.slice(before);
    const created = calls.find((c) => c.method === "POST" && c.path === "/api/v2.0/robots" && c.status === 201);
    expect(created?.robot).toBeDefined();
    expect(calls.find((c) => c.method === "DELETE" && c.robot?.id === created!.robot!.id)).toMatchObject({ status: 200 });
    expect((await environment.harborRobots()).some((r) => r.id === created!.robot!.id)).toBe(false);
  });
});

describe("skopush doctor (the built binary)", () => {
  it("explains a machine without Docker: no daemon, no docker CLI, and that native pushes instead", async () => {
    // A PATH with skopeo and without docker.
    const onlySkopeo = join(work, "only-skopeo");
    mkdirSync(onlySkopeo, { recursive: true });
    symlinkSync(execFileSync("sh", ["-c", "command -v skopeo"], { encoding: "utf8" }).trim(), join(onlySkopeo, "skopeo"));
    const run = await runCli(["doctor", "--shared-dir", join(work, "share-doctor")], {
      env: { ...baseEnv(), PATH: onlySkopeo, DOCKER_HOST: "unix:///nonexistent.sock" },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/✖ docker-exec\s+\S/);
    expect(run.stdout).toMatch(/✖ dockerode\s+.*nonexistent\.sock/);
    expect(run.stdout).toMatch(/✔ native\s+available/);
    expect(run.stdout).toMatch(/✔ skopeo\s+\d+\.\d+\.\d+/);
    expect(run.stdout).toContain("✖ docker CLI   the docker CLI is not on PATH");
    expect(run.stdout).toContain("✖ dockerd      no Docker daemon socket at /nonexistent.sock");
    expect(run.stdout).toContain("No Docker here: no Docker daemon socket at /nonexistent.sock, and the docker CLI is not on PATH");
    expect(run.stdout).toContain("Pushes will use native");

    const json = await runCli(["doctor", "--json"], { env: { ...baseEnv(), PATH: onlySkopeo, DOCKER_HOST: "unix:///nonexistent.sock" } });
    const report = JSON.parse(json.stdout);
    expect(report.docker.daemon.reachable).toBe(false);
    expect(report.usable[0]).toBe("native");
  });
});

describe("skopush service (the built binary, against the real daemon)", () => {
  const name = `skopush-cli-test-${randomBytes(4).toString("hex")}`;
  let shared: string;

  beforeAll(() => {
    shared = mkdtempSync(join(tmpdir(), "skopush-cli-share-"));
  });
  afterAll(() => {
    try {
      execFileSync("docker", ["rm", "-f", name], { stdio: "ignore" });
    } catch {
      // Already removed by the test.
    }
    rmSync(shared, { recursive: true, force: true });
  });

  const service = (...args: string[]) => runCli(["service", ...args, "--name", name], { env: { ...baseEnv(), PATH: process.env.PATH ?? "" } });

  it("creates, inspects, stops, starts, restarts, shows logs of and removes the resident container; docker-exec pushes through it", async () => {
    const created = await runCli(["service", "create", "--name", name, "--image", environment.skopeoImage, "--shared-dir", shared, "--network", "host", "--json"], {
      env: baseEnv(),
    });
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ action: "create", name, exists: true, running: true, image: environment.skopeoImage });
    expect(JSON.parse(created.stdout).mounts).toContainEqual({ source: shared, destination: "/tmp/skopeo" });

    const tls = environment.registry("tls");
    const repository = repo("service");
    const push = await runCli(
      ["push", smallArchive, `${tls.host}/${repository}:v1`, "--ca-cert", tls.caFile!, "--strategy", "docker-exec", "--container", name, "--shared-dir", shared, "--json"],
      { env: baseEnv() },
    );
    expect(push.code, push.stderr).toBe(0);
    const pushed = JSON.parse(push.stdout);
    expect(pushed.method).toBe("docker-exec");
    expect(pushed.digest).toBe((await readManifest(endpoint(tls), repository, "v1")).digest);
    expect(readdirSync(shared)).toEqual([]);

    const doctor = await runCli(["doctor", "--name", name, "--shared-dir", shared, "--json"], { env: baseEnv() });
    const report = JSON.parse(doctor.stdout);
    expect(report.container).toMatchObject({ name, exists: true, running: true });
    expect(report.sharedDirectory).toMatchObject({ exists: true, writable: true, mounted: true });
    expect(report.strategies.find((s: { strategy: string }) => s.strategy === "docker-exec")).toBeDefined();

    expect((await service("status")).code).toBe(0);
    expect((await service("stop")).code).toBe(0);
    const stopped = await service("status");
    expect([stopped.code, stopped.stdout]).toEqual([1, `${name} stopped (image ${environment.skopeoImage}, network host, mount ${shared}:/tmp/skopeo)\n`]);
    expect((await service("start")).stdout).toContain(`started: ${name} running`);
    expect((await service("restart")).stdout).toContain(`restarted: ${name} running`);
    expect((await service("logs", "--tail", "10")).code).toBe(0);
    expect((await service("rm")).stdout).toBe(`removed: ${name} does not exist\n`);
    const gone = await service("status");
    expect([gone.code, gone.stdout]).toEqual([1, `${name} does not exist\n`]);
  });

  it("explains a missing image instead of pulling it", async () => {
    const run = await runCli(["service", "create", "--name", `${name}-x`, "--image", "skopush/not-here:none", "--shared-dir", shared], { env: baseEnv() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("skopush/not-here:none");
    expect(run.stderr).toContain("never pulls");
  });
});
