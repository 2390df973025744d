import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, runCli } from "./spawn-cli.js";

// Messages in the caller's language, with the built command against the real environment: CLI users are
// told about flags and skopush commands, never the library's option fields; fixes carry what they gave.

/** The library's option fields and phrases that must never reach a CLI user. */
const LIBRARY_WORDS = /\b(?:caFile|dockerPath|skopeoPath|autoCreate|ensureProject|sharedDir option|tls\.caFile|verify: false|HarborCredentialsProvider)\b/;

let environment: TestEnvironment;
let work: string;
let home: string;
let archive: string;
let resident: ResidentContainer;

const env = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CI: "1", NO_COLOR: "1", ...extra });

/** A PATH holding only node (for the command itself): skopeo and docker are "not installed". */
const pathWithOnlyNode = (): string => {
  const dir = join(work, "path-only-node");
  mkdirSync(dir);
  symlinkSync(process.execPath, join(dir, "node"));
  return dir;
};

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = mkdtempSync(join(tmpdir(), "skopush-cli-messages-"));
  home = join(work, "home");
  mkdirSync(home);
  archive = (await writeImageArchive(join(work, "small.tar"), { format: "docker-legacy", layers: 1, layerSize: 64 * 1024, seed: `messages-${Date.now()}` })).path;
  resident = await startResidentContainer({ image: environment.skopeoImage, namePrefix: "skopush-messages" });
});

afterAll(async () => {
  await resident?.remove();
  rmSync(work, { recursive: true, force: true });
});

const expectCliWords = (text: string) => expect(text).not.toMatch(LIBRARY_WORDS);

describe("messages a CLI user reads", () => {
  it("a text file given as the archive is not a tar archive (exit 2)", async () => {
    const text = join(work, "notes.txt");
    writeFileSync(text, "this is not an image\n");
    const run = await runCli(["push", text, `${environment.registry("plain").host}/m/text:1`, "--strategy", "registry"], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("the file is not a tar archive (21 bytes, shorter than one tar header)");
    expect(run.stderr).not.toContain("truncated");
  });

  it("a URL given as the destination: drop the scheme, not an empty port (exit 2)", async () => {
    const run = await runCli(["push", archive, "https://127.0.0.1:5000/x:1"], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('reference starts with "https://"');
    expect(run.stderr).toContain("Fix: write 127.0.0.1:5000/x:1 (skopush speaks https; --insecure allows plain http)");
    expect(run.stderr).not.toContain("empty port");
  });

  it("an untrusted certificate: --ca-cert and --insecure, not caFile", async () => {
    const tls = environment.registry("tls");
    const run = await runCli(["push", archive, `${tls.host}/m/tls:1`, "--strategy", "registry"], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Fix: trust the registry's CA with --ca-cert <file>, or opt out with --insecure");
    expectCliWords(run.stderr);
  });

  it("a wrong password: says which credential source it came from", async () => {
    const basic = environment.registry("basic");
    const run = await runCli(["push", archive, `${basic.host}/m/auth:1`, "--ca-cert", basic.caFile!, "--strategy", "registry"], {
      env: env({ SKOPUSH_USERNAME: basic.credentials!.username, SKOPUSH_PASSWORD: "wrong" }),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`failed for user "${basic.credentials!.username}" (credentials from SKOPUSH_USERNAME/SKOPUSH_PASSWORD)`);
  });

  it("service logs --name <missing>: cannot read the logs of it, and how to create that container", async () => {
    const run = await runCli(["service", "logs", "--name", "skopush-messages-missing"], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cannot read the logs of container skopush-messages-missing");
    expect(run.stderr).toContain("Fix: create it: skopush service create --name skopush-messages-missing");
    expectCliWords(run.stderr);
  });

  it("a missing resident container: docker-exec and dockerode both say skopush service create with the --name given", async () => {
    const run = await runCli(["push", archive, `${environment.registry("plain").host}/m/c:1`, "--strategy", "docker-exec,dockerode", "--container", "skopush-messages-none", "--insecure"], {
      env: env(),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("docker-exec: unavailable: container skopush-messages-none does not exist. Fix: create it: skopush service create --name skopush-messages-none");
    expect(run.stderr).toContain("dockerode: unavailable: container skopush-messages-none does not exist. Fix: create it: skopush service create --name skopush-messages-none");
    expectCliWords(run.stderr);
  });

  it("a shared directory the container does not mount: --shared-dir with the one it mounts", async () => {
    const elsewhere = join(work, "elsewhere");
    mkdirSync(elsewhere);
    chmodSync(elsewhere, 0o700);
    const run = await runCli(
      ["push", archive, `${environment.registry("plain").host}/m/mount:1`, "--strategy", "docker-exec", "--container", resident.name, "--shared-dir", elsewhere, "--insecure"],
      { env: env() },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`pass --shared-dir ${resident.sharedDir} (or set SKOPEO_SHARED_DIR=${resident.sharedDir})`);
    expect(run.stderr).toContain(`skopush service rm --name ${resident.name} && skopush service create --name ${resident.name} --shared-dir ${elsewhere}`);
    expectCliWords(run.stderr);
  });

  it("no skopeo and no docker CLI on PATH: put them on PATH, not skopeoPath or dockerPath", async () => {
    const run = await runCli(["push", archive, `${environment.registry("plain").host}/m/path:1`, "--strategy", "native,docker-exec", "--insecure"], {
      env: env({ PATH: pathWithOnlyNode() }),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/native: unavailable: [^\n]*or put it on PATH/);
    expect(run.stderr).toMatch(/docker-exec: unavailable: [^\n]*or put it on PATH \(or push with --strategy dockerode/);
    expectCliWords(run.stderr);
  });

  it("a Harbor project that does not exist: --ensure-project", async () => {
    const token = environment.registry("token");
    const { username, password } = environment.harbor.accounts.projectAdmin;
    const run = await runCli(
      [
        "push", archive, `${token.host}/${environment.harbor.missingProject}/app:1`, "--harbor-url", environment.harbor.url, "--ca-cert", environment.harbor.caFile,
        "-u", username, "--password-stdin", "--ephemeral-robot", "--strategy", "registry",
      ],
      { env: env(), stdin: password },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not found on .*Fix: create the project in Harbor, or let skopush create it: --ensure-project/);
    expectCliWords(run.stderr);
  });
});
