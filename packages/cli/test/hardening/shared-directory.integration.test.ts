import { randomBytes } from "node:crypto";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTags, loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { runTool, startAsUser, startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, runCli } from "../spawn-cli.js";
import { ciEnv, freshDir, scratch, uniqueRepository } from "./support.js";

// A shared directory skopush must not use: `push` (docker-exec finds it unavailable), `doctor` and
// `service create` all refuse it with the same reason and fix, and `service create` bind-mounts nothing.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;
let archive: string;
const theirs: string[] = [];

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = await scratch("shared-directory");
  resident = await startResidentContainer({ image: environment.skopeoImage, namePrefix: "skopush-cli-trust" });
  archive = (await writeImageArchive(join(work.dir, "small.tar"), { format: "docker-legacy", layers: 1, layerSize: 64 << 10, seed: randomBytes(6).toString("hex") })).path;
});

afterAll(async () => {
  await resident?.remove();
  for (const path of theirs) await runTool("rm", ["-rf", "--", path]);
  await work?.cleanup();
});

type Kind = { readonly label: string; readonly make: (path: string) => Promise<string>; readonly says: (path: string) => string };

const KINDS: ReadonlyArray<Kind> = [
  { label: "a regular file", make: async (path) => (await writeFile(path, ""), path), says: () => "is not a directory (a regular file)" },
  {
    label: "a symbolic link to a good directory",
    make: async (path) => {
      await mkdir(`${path}-real`, { mode: 0o700 });
      await symlink(`${path}-real`, path);
      return path;
    },
    says: () => "is a symbolic link",
  },
  {
    label: "another user's directory",
    make: async () => {
      const user = environment.otherUser;
      const path = join("/tmp", `skopush-theirs-cli-${randomBytes(4).toString("hex")}`);
      theirs.push(path);
      const made = startAsUser(user, ["mkdir", "-m", "755", path]);
      expect(await made.done, made.stderr()).toBe(0);
      return path;
    },
    says: () => `is owned by user ${environment.otherUser.name} (uid ${environment.otherUser.uid}), not by you (uid ${process.getuid?.()}) or root`,
  },
  {
    label: "reached through another user's symbolic link (to a directory of ours)",
    make: async (path) => {
      const user = environment.otherUser;
      await mkdir(`${path}-real`, { mode: 0o755 });
      const link = join("/tmp", `skopush-theirs-link-${randomBytes(4).toString("hex")}`);
      theirs.push(link);
      const made = startAsUser(user, ["ln", "-s", `${path}-real`, link]);
      expect(await made.done, made.stderr()).toBe(0);
      return join(link, "shared");
    },
    says: (path) => `cannot be trusted: the path goes through the symbolic link ${join(path, "..")}, owned by user ${environment.otherUser.name} (uid ${environment.otherUser.uid}), who can re-point it`,
  },
  {
    label: "a group-writable directory",
    make: async (path) => {
      await mkdir(path);
      await chmod(path, 0o775);
      return path;
    },
    says: () => "is writable by its group (mode 0775)",
  },
];

describe.each(KINDS)("the shared directory is $label", (kind) => {
  let shared: string;
  beforeAll(async () => {
    shared = await kind.make(join(work.dir, `shared-${randomBytes(3).toString("hex")}`));
  });
  const env = async () => ciEnv(work.home, await freshDir(work.dir, "tmp"));
  const refusal = () => `the shared directory ${shared} ${kind.says(shared)}`;

  it("push: docker-exec is unavailable, saying why and what to do; nothing is pushed", async () => {
    const tls = environment.registry("tls");
    const repository = uniqueRepository("trust");
    const run = await runCli(
      ["push", archive, `${tls.host}/${repository}:v1`, "--ca-cert", tls.caFile!, "--strategy", "docker-exec", "--container", resident.name, "--shared-dir", shared, "--json"],
      { env: await env() },
    );
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: "error", attempts: [{ strategy: "docker-exec", outcome: "unavailable" }] });
    expect(result.message).toContain(refusal());
    expect(result.message).toContain("SKOPEO_SHARED_DIR");
    expect(await listTags(tls, repository)).toEqual([]);
  });

  it("doctor reports the same refusal, and advises the fix", async () => {
    const run = await runCli(["doctor", "--json", "--name", resident.name, "--shared-dir", shared], { env: await env() });
    const report = JSON.parse(run.stdout);
    expect(report.sharedDirectory.refused.reason).toContain(refusal());
    expect(report.sharedDirectory.refused.fix).toContain("SKOPEO_SHARED_DIR");
    expect(report.advice.join("\n")).toContain(`The docker-exec and dockerode strategies refuse ${shared}: ${refusal()}`);
    const text = await runCli(["doctor", "--name", resident.name, "--shared-dir", shared], { env: await env() });
    expect(text.stdout).toContain(`refused: ${refusal()}`);
  });

  it("service create refuses it too and creates no container", async () => {
    const name = `skopush-cli-trust-${randomBytes(4).toString("hex")}`;
    const run = await runCli(["service", "create", "--name", name, "--image", environment.skopeoImage, "--shared-dir", shared, "--network", "host"], { env: await env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(refusal());
    const inspect = await runTool("docker", ["container", "inspect", name]);
    if (inspect.code === 0) await runTool("docker", ["rm", "-f", name]);
    expect(inspect.code).not.toBe(0);
  });
});
