import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTags, loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { entriesOf, startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, startCli, type CliRun } from "../spawn-cli.js";
import { ciEnv, freshDir, scratch, uniqueRepository } from "./support.js";

// Credentials and certificate files that are not regular files, or are far too large. A named pipe made
// skopush hang in open(2), where two SIGINTs and a SIGTERM could not end it; a 184 MiB config.json took
// 743 MB of memory. Now each is refused at once with the file, the reason and what to do, and the
// process ends by itself (a run that needed a signal fails here).

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;
let image: string;

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = await scratch("config-files");
  resident = await startResidentContainer({ image: environment.skopeoImage, namePrefix: "skopush-config-files" });
  image = (await writeImageArchive(join(work.dir, "image.tar"), { format: "docker-legacy", layers: 1, layerSize: 64 << 10, seed: randomBytes(6).toString("hex") })).path;
});

afterAll(async () => {
  await resident?.remove();
  await work?.cleanup();
});

const fifo = async (path: string): Promise<string> => {
  await mkdir(join(path, ".."), { recursive: true });
  expect(spawnSync("mkfifo", [path]).status).toBe(0);
  return path;
};

/** Runs the CLI; a run still going after 20 s is killed and reported as hung. */
const runBounded = async (args: string[], env: Record<string, string>, stdin = ""): Promise<CliRun & { hung: boolean }> => {
  const cli = startCli(args, { env, stdin });
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    cli.kill("SIGKILL");
  }, 20_000);
  const run = await cli.done;
  clearTimeout(timer);
  return { ...run, hung };
};

interface FileCase {
  readonly name: string;
  /** Makes the bad file under `home` and answers the extra environment that points skopush at it. */
  readonly make: (home: string) => Promise<Record<string, string>>;
  readonly says: RegExp;
}

const CREDENTIALS_FILES: ReadonlyArray<FileCase> = [
  {
    name: "REGISTRY_AUTH_FILE naming a named pipe",
    make: async (home) => ({ REGISTRY_AUTH_FILE: await fifo(join(home, "auth.json")) }),
    says: /credentials from \S+auth\.json: is not a regular file: it is a named pipe \(FIFO\)\. Fix: point skopush at the credentials file itself/,
  },
  {
    name: "REGISTRY_AUTH_FILE naming a character device (/dev/zero)",
    make: async () => ({ REGISTRY_AUTH_FILE: "/dev/zero" }),
    says: /credentials from \/dev\/zero: is not a regular file: it is a character device/,
  },
  {
    name: "~/.docker/config.json as a named pipe",
    make: async (home) => (await fifo(join(home, ".docker", "config.json")), {}),
    says: /credentials from \S+\/\.docker\/config\.json: is not a regular file: it is a named pipe/,
  },
  {
    name: "$XDG_RUNTIME_DIR/containers/auth.json as a named pipe",
    make: async (home) => {
      const runtime = join(home, "run");
      await fifo(join(runtime, "containers", "auth.json"));
      return { XDG_RUNTIME_DIR: runtime };
    },
    says: /credentials from \S+\/containers\/auth\.json: is not a regular file: it is a named pipe/,
  },
  {
    name: "a 184 MiB ~/.docker/config.json",
    make: async (home) => {
      const config = join(home, ".docker", "config.json");
      await mkdir(join(home, ".docker"), { recursive: true });
      await writeFile(config, "");
      await truncate(config, 184 << 20); // sparse: the size without the disk
      return {};
    },
    says: /credentials from \S+\/\.docker\/config\.json: is 184\.0 MiB, more than the 1\.0 MiB such a file may hold/,
  },
];

describe.each(CREDENTIALS_FILES)("skopush push with $name", (spec) => {
  it("fails at once with CredentialsError naming the file and the fix; nothing is pushed", async () => {
    const home = await freshDir(work.dir, "home");
    const tmp = await freshDir(work.dir, "tmp");
    const extra = await spec.make(home);
    const tls = environment.registry("tls");
    const repository = uniqueRepository("config-files");
    const run = await runBounded(
      ["push", image, `${tls.host}/${repository}:v1`, "--ca-cert", tls.caFile!, "--json", "--container", resident.name, "--shared-dir", resident.sharedDir],
      ciEnv(home, tmp, extra),
    );
    expect(run.hung, `skopush hung: ${run.stderr}`).toBe(false);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: "error", error: "CredentialsError", attempts: [] });
    expect(result.message).toMatch(spec.says);
    expect(await listTags(tls, repository)).toEqual([]);
    expect(entriesOf(tmp)).toEqual([]);
  });
});

describe("skopush push --cert-dir holding a named pipe, with Harbor's API (which reads the directory's CAs)", () => {
  it("fails at once with a usage error naming the file", async () => {
    const certDir = join(work.dir, `certs-${randomBytes(3).toString("hex")}`);
    await fifo(join(certDir, "ca.crt"));
    const home = await freshDir(work.dir, "home");
    const run = await runBounded(
      ["push", image, `${environment.registry("token").host}/${environment.harbor.project}/app:v1`, "--harbor-url", environment.harbor.url, "--cert-dir", certDir, "-u", "admin", "--password-stdin", "--ensure-project", "--json"],
      ciEnv(home, await freshDir(work.dir, "tmp")),
      "secret",
    );
    expect(run.hung, `skopush hung: ${run.stderr}`).toBe(false);
    expect(run.code, run.stderr).toBe(2);
    expect(JSON.parse(run.stdout).message).toContain(`--cert-dir: ${join(certDir, "ca.crt")} is not a regular file: it is a named pipe (FIFO)`);
  });
});

describe("skopush push -u with a username holding ':'", () => {
  it("fails before any strategy runs with CredentialsError citing RFC 7617, never showing what follows the ':'", async () => {
    const basic = environment.registry("basic");
    const repository = uniqueRepository("username");
    const run = await runBounded(
      ["push", image, `${basic.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "-u", "robot:hunter2", "--password-stdin", "--json", "--container", resident.name, "--shared-dir", resident.sharedDir],
      ciEnv(await freshDir(work.dir, "home"), await freshDir(work.dir, "tmp")),
      basic.credentials!.password,
    );
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: "error", error: "CredentialsError", attempts: [] });
    expect(result.message).toContain('the username: contains ":" (after "robot"), which HTTP Basic authentication cannot carry (RFC 7617)');
    expect(result.message).toMatch(/Fix: give the account's exact name/);
    expect(run.stdout + run.stderr).not.toContain("hunter2");
    expect(await listTags(basic, repository)).toEqual([]);
  });
});
