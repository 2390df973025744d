import { mkdir, readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { Effect, Exit, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import {
  defaultRetrySettings,
  ImageReference,
  makeCredentials,
  type ProgressEvent,
  type PushRequest,
} from "@skopush/core";
import { writeHostileArchive, writeImageArchive, type ImageArchiveOptions } from "@skopush/testkit/fixtures";
import { AUTH_FILE_NAME, authFileContent, skopeoCopy as skopeoCopyChecked, WORKSPACE_TMP, type RegistryChecks } from "../src/index.js";
import { FakeSkopeoHost, type FakeBehaviour } from "./support/fake-skopeo-host.js";
import { readRecording } from "./support/recorded-output.js";
import { pushErrorOf, tempDir } from "./support/unit.js";

const DIGEST = `sha256:${"d".repeat(64)}`;
const credentials = makeCredentials("robot$proj+ci", "pa:ss$word");

// A fake skopeo pushes to no registry: the checks from Node around it are the integration tests' part.
const NO_CHECKS: RegistryChecks = { preflight: () => Effect.void, readBack: () => Effect.void };
const skopeoCopy = (...args: Parameters<typeof skopeoCopyChecked>) => skopeoCopyChecked(args[0], args[1], args[2], NO_CHECKS);

const setup = async (behaviour: FakeBehaviour | ReadonlyArray<FakeBehaviour>, archive: ImageArchiveOptions = { format: "docker-legacy", layers: 2, seed: "skopeo-copy" }, name = "image.tar") => {
  const dir = await tempDir("copy");
  const parent = join(dir, "workspaces");
  await mkdir(parent);
  const path = join(dir, name);
  await writeImageArchive(path, archive);
  const host = new FakeSkopeoHost(parent, behaviour);
  const request: PushRequest = {
    archive: { path },
    destination: ImageReference.parseOrThrow("harbor.example.com/proj/app:v1"),
    credentials,
    tls: { verify: true },
    retry: { ...defaultRetrySettings, times: 2 },
  };
  return { dir, parent, path, host, request, leftovers: () => readdir(parent) };
};

const succeed = async (): Promise<FakeBehaviour> => ({ kind: "succeed", stdout: (await readRecording("copy-docker-legacy")).stdout, digest: DIGEST });

describe("skopeoCopy", () => {
  it("pushes with an authfile (0600, in the workspace) and no secret in argv, then removes the workspace", async () => {
    const { host, request, leftovers } = await setup(await succeed());
    const events: ProgressEvent[] = [];
    const outcome = await Effect.runPromise(skopeoCopy(host, request, (event) => events.push(event)));
    expect(outcome.digest).toBe(DIGEST);
    expect(outcome.bytesPushed).toBeGreaterThan(0);
    const [run] = host.runs;
    expect(host.runs).toHaveLength(1);
    expect(run?.files[AUTH_FILE_NAME]).toBe(0o600);
    // Created 0600 before skopeo runs on this host: skopeo writes it 0644 and keeps an existing file's mode.
    expect(run?.files["digest"]).toBe(0o600);
    expect(run?.authFile).toBe(authFileContent("harbor.example.com", credentials));
    expect(run?.args.join(" ")).not.toContain("pa:ss$word");
    expect(run?.args.join(" ")).not.toContain("robot$proj+ci");
    expect(run?.args).toEqual(expect.arrayContaining(["--dest-tls-verify=true", "--retry-times", "2", "--dest-authfile"]));
    expect(run?.args.at(-1)).toBe("docker://harbor.example.com/proj/app:v1");
    expect(run?.env.TMPDIR).toMatch(new RegExp(`/skopush-fake-[^/]+/${WORKSPACE_TMP}$`));
    expect(events.at(-1)).toMatchObject({ percent: 100, phase: "done" });
    expect(events.filter((e) => e.blob?.state === "done")).toHaveLength(3);
    expect(await leftovers()).toEqual([]);
  });

  it("pushes anonymously with --dest-no-creds and writes no authfile", async () => {
    const { host, request } = await setup(await succeed());
    await Effect.runPromise(skopeoCopy(host, { ...request, credentials: undefined }, () => {}));
    expect(host.runs[0]?.args).toContain("--dest-no-creds");
    expect(host.runs[0]?.args).not.toContain("--dest-authfile");
    expect(host.runs[0]?.files[AUTH_FILE_NAME]).toBeUndefined();
  });

  it("puts the CA in a cert dir inside the workspace, and passes --format", async () => {
    const { dir, host, request } = await setup(await succeed());
    const caFile = join(dir, "ca.pem");
    await execa("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test", "-keyout", join(dir, "ca.key"), "-out", caFile]);
    await Effect.runPromise(skopeoCopy(host, { ...request, tls: { verify: true, caFile }, manifestFormat: "oci" }, () => {}));
    const run = host.runs[0];
    expect(run?.files["certs/ca.crt"]).toBe(0o600);
    expect(run?.args).toEqual(expect.arrayContaining(["--dest-cert-dir", "--format", "oci"]));
  });

  it("fails an invalid archive with ArchiveInvalid before any workspace or skopeo run", async () => {
    const { dir, host, request, leftovers } = await setup(await succeed());
    const hostile = await writeHostileArchive(join(dir, "bad.tar"), "not-a-tar");
    const error = await pushErrorOf(skopeoCopy(host, { ...request, archive: { path: hostile.path } }, () => {}));
    expect(error._tag).toBe("ArchiveInvalid");
    const missing = await pushErrorOf(skopeoCopy(host, { ...request, archive: { path: join(dir, "missing.tar") } }, () => {}));
    expect(missing).toMatchObject({ _tag: "ArchiveInvalid" });
    expect(missing.message).toContain("missing.tar");
    expect(host.runs).toHaveLength(0);
    expect(await leftovers()).toEqual([]);
  });

  it("classifies skopeo's failure, redacts the password, and removes the workspace", async () => {
    const { stderr } = await readRecording("wrong-password");
    const { host, request, leftovers } = await setup({ kind: "fail", exitCode: 1, stderr: `${stderr}\nsecret was pa:ss$word` });
    const error = await pushErrorOf(skopeoCopy(host, request, () => {}));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", registry: "harbor.example.com", username: "robot$proj+ci" });
    expect(error.message).not.toContain("pa:ss$word");
    expect(await leftovers()).toEqual([]);
  });

  it("retries a registry's 503 with the request's schedule, keeping the workspace; not a network failure skopeo already retried", async () => {
    const unavailable: FakeBehaviour = { kind: "fail", exitCode: 1, stderr: (await readRecording("service-unavailable")).stderr };
    const retried = await setup([unavailable, await succeed()]);
    const events: ProgressEvent[] = [];
    const outcome = await Effect.runPromise(skopeoCopy(retried.host, { ...retried.request, retry: { times: 2, baseDelayMs: 1, maxDelayMs: 5 } }, (e) => events.push(e)));
    expect(outcome.digest).toBe(DIGEST);
    expect(retried.host.runs).toHaveLength(2);
    expect(retried.host.runs[1]?.files[AUTH_FILE_NAME]).toBe(0o600);
    expect(events.some((e) => /^Waiting .* before trying again: .*503/.test(e.message))).toBe(true);
    expect(await retried.leftovers()).toEqual([]);

    const exhausted = await setup(unavailable);
    const error = await pushErrorOf(skopeoCopy(exhausted.host, { ...exhausted.request, retry: { times: 1, baseDelayMs: 1, maxDelayMs: 5 } }, () => {}));
    expect(error).toMatchObject({ _tag: "RegistryError", status: 503 });
    expect(exhausted.host.runs).toHaveLength(2);

    const refused = await setup({ kind: "fail", exitCode: 1, stderr: (await readRecording("connection-refused")).stderr });
    expect(await pushErrorOf(skopeoCopy(refused.host, { ...refused.request, retry: { times: 3, baseDelayMs: 1, maxDelayMs: 5 } }, () => {}))).toMatchObject({ _tag: "RegistryUnreachable" });
    expect(refused.host.runs).toHaveLength(1);
  });

  it("retries a connection cut mid-upload (a registry restarted under the push), which skopeo gives up on", async () => {
    const cut: FakeBehaviour = {
      kind: "fail",
      exitCode: 1,
      stderr: 'time="x" level=fatal msg="writing blob: Patch \\"http://harbor.example.com/v2/proj/app/blobs/uploads/u1\\": write tcp 10.0.0.1:40506->10.0.0.2:443: write: broken pipe"\n',
    };
    const retried = await setup([cut, await succeed()]);
    const events: ProgressEvent[] = [];
    const outcome = await Effect.runPromise(skopeoCopy(retried.host, { ...retried.request, retry: { times: 2, baseDelayMs: 1, maxDelayMs: 5 } }, (e) => events.push(e)));
    expect(outcome.digest).toBe(DIGEST);
    expect(retried.host.runs).toHaveLength(2);
    expect(events.some((e) => /^Waiting .* before trying again: .*broken pipe/.test(e.message))).toBe(true);
    expect(await retried.leftovers()).toEqual([]);
  });

  it("removes the workspace, authfile included, when interrupted while skopeo runs", async () => {
    const { host, request, leftovers } = await setup({ kind: "hang" });
    const fiber = Effect.runFork(skopeoCopy(host, request, () => {}));
    for (let i = 0; i < 400 && host.runs.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(host.runs[0]?.files[AUTH_FILE_NAME]).toBe(0o600);
    const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))));
    expect(Exit.hasInterrupts(exit)).toBe(true);
    expect(await leftovers()).toEqual([]);
  });

  it("links an archive whose path holds ':' under a safe name, and names the user's path in errors", async () => {
    const { stderr } = await readRecording("archive-truncated");
    const { host, request, dir } = await setup({ kind: "fail", exitCode: 1, stderr }, undefined, "image.tar");
    const colon = join(dir, "build:42");
    await mkdir(colon);
    await symlink(request.archive.path, join(colon, "image.tar"));
    const path = join(colon, "image.tar");
    const error = await pushErrorOf(skopeoCopy(host, { ...request, archive: { path } }, () => {}));
    const source = host.runs[0]?.args.at(-2) ?? "";
    expect(source).toMatch(/^docker-archive:\/.*\/skopush-fake-[^/]+\/archive$/);
    expect(source.slice("docker-archive:".length)).not.toContain(":");
    expect(error).toMatchObject({ _tag: "ArchiveInvalid", path });
  });

  it("decompresses a gzip docker-archive into the workspace (skopeo 1.9.3 cannot read one), and reads an OCI layout as oci:", async () => {
    const gzip = await setup(await succeed(), { format: "docker-legacy", layers: 1, seed: "gz", compress: "gzip" }, "image.tar.gz");
    await Effect.runPromise(skopeoCopy(gzip.host, gzip.request, () => {}));
    expect(gzip.host.runs[0]?.args.at(-2)).toMatch(/^docker-archive:\/.*\/skopush-fake-[^/]+\/archive\.tar$/);
    expect(gzip.host.runs[0]?.files["archive.tar"]).toBe(0o600);

    const oci = await setup(await succeed(), { format: "oci-archive", layers: 1, seed: "layout" });
    const layout = join(oci.dir, "layout");
    await mkdir(layout);
    await execa("tar", ["-xf", oci.path, "-C", layout]);
    await Effect.runPromise(skopeoCopy(oci.host, { ...oci.request, archive: { path: layout } }, () => {}));
    expect(oci.host.runs[0]?.args.at(-2)).toBe(`oci:${layout}`);
  });

  it("checks the pushed digest against a digest in the reference", async () => {
    const { host, request } = await setup(await succeed());
    const other = `sha256:${"e".repeat(64)}`;
    const error = await pushErrorOf(skopeoCopy(host, { ...request, destination: ImageReference.parseOrThrow(`harbor.example.com/proj/app:v1@${other}`) }, () => {}));
    expect(error).toMatchObject({ _tag: "ManifestRejected" });
    expect(error.message).toContain(other);
  });

  it("an IPv6 literal host is StrategyUnavailable before anything is staged or skopeo runs (skopeo 1.9.3 cannot parse it)", async () => {
    const { host, request, leftovers } = await setup(await succeed());
    const error = await pushErrorOf(skopeoCopy(host, { ...request, destination: ImageReference.parseOrThrow("[::1]:5000/proj/app:v1") }, () => {}));
    expect(error).toMatchObject({ _tag: "StrategyUnavailable", strategy: "fake" });
    expect(host.runs).toEqual([]);
    expect(await leftovers()).toEqual([]);
  });

  it("fails with EnvironmentFault when skopeo exits 0 without writing the digest file", async () => {
    const { host, request, leftovers } = await setup({ kind: "succeed", stdout: "" });
    const error = await pushErrorOf(skopeoCopy(host, request, () => {}));
    expect(error).toMatchObject({ _tag: "EnvironmentFault", strategy: "fake" });
    expect(error.message).toContain("skopeo exited successfully but wrote no digest file (it is empty). Fix: use skopeo 1.4 or later");
    expect(await leftovers()).toEqual([]);
  });
});
