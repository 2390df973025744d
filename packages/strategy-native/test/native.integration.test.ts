import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { randomBytes } from "node:crypto";
import { Cause, Effect, Exit } from "effect";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cancelOnAbort,
  defaultRetrySettings,
  FallbackChain,
  ImageReference,
  makeCredentials,
  type ProgressEvent,
  type PushError,
  type PushFailed,
  type PushOutcome,
  type PushRequest,
} from "@skopush/core";
import { FakePushStrategy } from "@skopush/testkit";
import { listTags, loadTestEnvironment, pushSettingsFor, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { writeHostileArchive, writeImageArchive, type FixtureFormat, type ImageArchiveOptions } from "@skopush/testkit/fixtures";
import { NativeSkopeoStrategy, type NativeSkopeoOptions } from "../src/index.js";
import { isRunning } from "./support.js";

let environment: TestEnvironment;
let work: string;
let temp: string;
let realSkopeo: string;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = await mkdtemp(join(tmpdir(), "skopush-native-it-"));
  temp = join(work, "temp");
  await mkdir(temp, { mode: 0o700 });
  const found = (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "skopeo"));
  realSkopeo = (await execa("sh", ["-c", "command -v skopeo"], { reject: false })).stdout.trim() || (found[0] ?? "skopeo");
  expect(realSkopeo, "the host's skopeo").toMatch(/\/skopeo$/);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const unique = () => randomBytes(4).toString("hex");

const archives = new Map<string, string>();
const archive = async (options: ImageArchiveOptions, name = `${options.format}-${String(options.seed)}-${options.compress ?? "none"}.tar`) => {
  const known = archives.get(name);
  if (known) return known;
  const path = join(work, name);
  await writeImageArchive(path, options);
  archives.set(name, path);
  return path;
};

const request = (registry: TestRegistry, path: string, overrides: Partial<PushRequest> = {}): PushRequest => ({
  archive: { path },
  destination: ImageReference.parseOrThrow(`${registry.host}/native/it-${unique()}:v1`),
  ...pushSettingsFor(registry),
  retry: { ...defaultRetrySettings, times: 0 },
  ...overrides,
});

const native = (options: NativeSkopeoOptions = {}) => new NativeSkopeoStrategy({ tempDirectory: temp, ...options });

const push = (req: PushRequest, options: NativeSkopeoOptions = {}, events: ProgressEvent[] = []) =>
  Effect.runPromiseExit(cancelOnAbort(native(options).push(req, (event) => events.push(event)), req.signal));

const succeeded = (exit: Exit.Exit<PushOutcome, PushError>): PushOutcome => {
  if (Exit.isFailure(exit)) throw new Error(`push failed: ${Cause.pretty(exit.cause)}`);
  return exit.value;
};

const failed = (exit: Exit.Exit<unknown, PushError | PushFailed>) => {
  if (Exit.isSuccess(exit)) throw new Error("expected the push to fail");
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "None") throw new Error(Cause.pretty(exit.cause));
  return error.value;
};

/** What the workspace parent holds: nothing, after every push however it ended. */
const leftovers = () => readdir(temp);

/** Expects the reference's manifest in the registry to be the one pushed. */
const expectLanded = async (registry: TestRegistry, req: PushRequest, outcome: PushOutcome) => {
  const stored = await readManifest(registry, req.destination.repository, req.destination.tag ?? "latest");
  expect(stored.digest).toBe(outcome.digest);
  return stored;
};

/**
 * A skopeo that records how it was called (argv, which holds no secret; the authfile's mode; the names of
 * its environment variables; its pid) and then becomes the real skopeo (`exec`, same pid).
 */
const recordingSkopeo = async () => {
  const dir = await mkdtemp(join(work, "wrapper-"));
  const log = join(dir, "calls.log");
  const pidFile = join(dir, "pid");
  const script = [
    "#!/bin/sh",
    `printf 'argv %s\\n' "$*" >> '${log}'`,
    'prev=""',
    `for a in "$@"; do if [ "$prev" = "--dest-authfile" ]; then stat -c 'authfile %a %s' "$a" >> '${log}'; fi; prev="$a"; done`,
    `printf 'env %s\\n' "$(env | cut -d= -f1 | sort | tr '\\n' ' ')" >> '${log}'`,
    `echo $$ > '${pidFile}'`,
    `exec '${realSkopeo}' "$@"`,
  ].join("\n");
  const path = join(dir, "skopeo");
  await writeFile(path, `${script}\n`);
  await chmod(path, 0o755);
  const lines = async () => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean);
  return {
    path,
    lines,
    copies: async () => (await lines()).filter((line) => line.startsWith("argv copy ")),
    pid: async () => Number((await readFile(pidFile, "utf8").catch(() => "")).trim()),
  };
};

describe("NativeSkopeoStrategy with the host's skopeo", () => {
  it("probes the host's skopeo 1.9.3", async () => {
    expect(await Effect.runPromise(native().version())).toMatchObject({ major: 1, minor: 9 });
  });

  const formats: ReadonlyArray<FixtureFormat> = ["docker-legacy", "docker-oci", "oci-archive"];
  const kinds = ["plain", "tls", "basic", "token"] as const;
  it.each(formats.flatMap((format) => kinds.map((kind) => [format, kind] as const)))(
    "pushes a %s archive to the %s registry: the digest is the one stored, nothing is left behind",
    async (format, kind) => {
      const registry = environment.registry(kind);
      const path = await archive({ format, layers: 2, layerSize: 48 * 1024, seed: "matrix" });
      const req =
        kind === "token"
          ? request(registry, path, {
              destination: ImageReference.parseOrThrow(`${registry.host}/${environment.harbor.project}/native-${unique()}:v1`),
              credentials: makeCredentials(environment.harbor.accounts.robot.username, environment.harbor.accounts.robot.password),
            })
          : request(registry, path);
      const events: ProgressEvent[] = [];
      const outcome = succeeded(await push(req, {}, events));
      const stored = await expectLanded(registry, req, outcome);
      expect(stored.json.layers).toHaveLength(2);
      expect(stored.mediaType).toBe(format === "oci-archive" ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json");
      expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(["preparing", "uploading", "manifest", "done"]));
      expect(events.filter((e) => e.blob?.state === "done").map((e) => e.blob?.kind).sort()).toEqual(["config", "layer", "layer"]);
      expect(events.at(-1)).toMatchObject({ percent: 100, phase: "done" });
      expect(await leftovers()).toEqual([]);
    },
  );

  it("pushes gzip-compressed docker and OCI archives", async () => {
    const registry = environment.registry("plain");
    for (const format of ["docker-legacy", "oci-archive"] as const) {
      const path = await archive({ format, layers: 2, layerSize: 32 * 1024, seed: "gzip", compress: "gzip" }, `${format}-gzip.tar.gz`);
      const req = request(registry, path);
      await expectLanded(registry, req, succeeded(await push(req)));
    }
    expect(await leftovers()).toEqual([]);
  });

  it("pushes an archive whose path contains ':', and an OCI layout directory", async () => {
    const registry = environment.registry("plain");
    const colonDir = join(work, "build:2024-01-01T10:00");
    await mkdir(colonDir, { recursive: true });
    const colonPath = join(colonDir, "image.tar");
    await symlink(await archive({ format: "docker-legacy", layers: 1, seed: "colon" }), colonPath).catch(() => undefined);
    const colon = request(registry, colonPath);
    await expectLanded(registry, colon, succeeded(await push(colon)));

    const layout = join(work, `layout-${unique()}`);
    await mkdir(layout);
    await execa("tar", ["-xf", await archive({ format: "oci-archive", layers: 2, seed: "layout" }), "-C", layout]);
    const fromLayout = request(registry, layout);
    await expectLanded(registry, fromLayout, succeeded(await push(fromLayout)));
    expect(await leftovers()).toEqual([]);
  });

  it("writes the manifest format asked for", async () => {
    const registry = environment.registry("plain");
    const docker = await archive({ format: "docker-legacy", layers: 1, seed: "formats" });
    const asOci = request(registry, docker, { manifestFormat: "oci" });
    expect((await expectLanded(registry, asOci, succeeded(await push(asOci)))).mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    const oci = await archive({ format: "oci-archive", layers: 1, seed: "formats" });
    const asDocker = request(registry, oci, { manifestFormat: "v2s2" });
    expect((await expectLanded(registry, asDocker, succeeded(await push(asDocker)))).mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
  });

  it("trusts a certs.d directory given as tls.certDir", async () => {
    const registry = environment.registry("tls");
    const req = request(registry, await archive({ format: "docker-legacy", layers: 1, seed: "certdir" }), { tls: { verify: true, certDir: registry.certDir } });
    await expectLanded(registry, req, succeeded(await push(req)));
  });

  it("hands skopeo the credentials in a 0600 authfile, never in argv or its environment, and removes it", async () => {
    const registry = environment.registry("basic");
    const password = registry.credentials?.password ?? "";
    expect(password).toMatch(/[:$]/);
    const skopeo = await recordingSkopeo();
    const req = request(registry, await archive({ format: "docker-oci", layers: 2, seed: "authfile" }));
    process.env.SKOPUSH_PASSWORD = password; // as a CLI user might pass it to skopush
    let outcome: PushOutcome;
    try {
      outcome = succeeded(await push(req, { skopeoPath: skopeo.path }));
    } finally {
      delete process.env.SKOPUSH_PASSWORD;
    }
    await expectLanded(registry, req, outcome);
    const lines = await skopeo.lines();
    const copy = lines.find((line) => line.startsWith("argv copy ")) ?? "";
    expect(copy).toMatch(/--dest-authfile \/\S+\/skopush-native-\S+\/auth\.json /);
    expect(copy).not.toContain(password);
    expect(copy).not.toContain(registry.credentials?.username ?? "robot");
    expect(lines).toContainEqual(expect.stringMatching(/^authfile 600 \d+$/));
    const env = lines.filter((line) => line.startsWith("env "));
    expect(env.at(-1)).toContain(" TMPDIR ");
    expect(env.join(" ")).not.toContain("SKOPUSH_PASSWORD");
    expect(await leftovers()).toEqual([]);
  });

  it("stops a chain on a wrong password after ONE attempt: AuthenticationFailed, the next strategy never pushes", async () => {
    const registry = environment.registry("basic");
    const fallback = FakePushStrategy.succeeding("would-succeed");
    const chain = new FallbackChain([native(), fallback]);
    const req = request(registry, await archive({ format: "docker-legacy", layers: 1, seed: "wrong" }), {
      credentials: makeCredentials(registry.credentials?.username ?? "", "wrong:pa$$word"),
    });
    const error = failed(await Effect.runPromiseExit(chain.push(req))) as PushFailed;
    expect(error.reason._tag).toBe("AuthenticationFailed");
    expect(error.message).not.toContain("wrong:pa$$word");
    expect(error.attempts.map((a) => [a.strategy, a.outcome, a.error])).toEqual([["native", "failed", "AuthenticationFailed"]]);
    expect(fallback.pushes).toHaveLength(0);
    expect(await listTags(registry, req.destination.repository)).toEqual([]);
    expect(await leftovers()).toEqual([]);
  });

  it("fails a missing or corrupt archive with ArchiveInvalid before skopeo copies anything, in a chain too", async () => {
    const registry = environment.registry("plain");
    const skopeo = await recordingSkopeo();
    const fallback = FakePushStrategy.succeeding("would-succeed");
    const chain = new FallbackChain([native({ skopeoPath: skopeo.path }), fallback]);
    const corrupt = await writeHostileArchive(join(work, `truncated-${unique()}.tar`), "truncated");
    for (const path of [join(work, "missing.tar"), corrupt.path]) {
      const error = failed(await Effect.runPromiseExit(chain.push(request(registry, path)))) as PushFailed;
      expect(error.reason._tag).toBe("ArchiveInvalid");
      expect(error.message).toContain(path);
      expect(error.attempts).toHaveLength(1);
    }
    expect(await skopeo.copies()).toEqual([]);
    expect(fallback.pushes).toHaveLength(0);
    expect(await leftovers()).toEqual([]);
  });

  it("fails untrusted TLS without the CA with TlsVerificationFailed naming the fix", async () => {
    const registry = environment.registry("tls");
    const req = request(registry, await archive({ format: "docker-legacy", layers: 1, seed: "tls" }), { tls: { verify: true } });
    const error = failed(await push(req));
    expect(error).toMatchObject({ _tag: "TlsVerificationFailed", registry: registry.host });
    // Found by the pre-flight from Node, before skopeo starts.
    expect(error.message).toContain("unable to verify the first certificate");
    // A library caller is told about the option field (the CLI says --ca-cert: packages/cli/test/messages).
    expect(error.message).toContain("the tls.caFile option");
    expect(await listTags(registry, req.destination.repository)).toEqual([]);
  });

  it("cancels: skopeo is killed (no process left), the workspace is removed, nothing is tagged", async () => {
    const registry = environment.registry("plain");
    const skopeo = await recordingSkopeo();
    const controller = new AbortController();
    const req = request(registry, await archive({ format: "docker-legacy", layers: 3, layerSize: 24 * 1024 * 1024, seed: `cancel-${unique()}` }), {
      signal: controller.signal,
    });
    const events: ProgressEvent[] = [];
    const pending = push(req, { skopeoPath: skopeo.path }, events);
    while (!events.some((e) => e.phase === "uploading")) await new Promise((resolve) => setTimeout(resolve, 5));
    const pid = await skopeo.pid();
    expect(await isRunning(pid)).toBe(true);
    controller.abort(new Error("cancelled by the test"));
    const error = failed(await pending);
    expect(error._tag).toBe("PushCancelled");
    expect(await isRunning(pid)).toBe(false);
    const children = (await readdir("/proc")).filter((p) => /^\d+$/.test(p));
    for (const child of children) {
      const cmdline = await readFile(`/proc/${child}/cmdline`, "latin1").catch(() => "");
      expect(cmdline.includes(req.destination.repository), `process ${child}: ${cmdline}`).toBe(false);
    }
    expect(await leftovers()).toEqual([]);
    expect(await listTags(registry, req.destination.repository)).toEqual([]);
  });

  it("is unavailable without skopeo, and a chain moves on to the next strategy", async () => {
    const fallback = FakePushStrategy.succeeding("next");
    const chain = new FallbackChain([native({ skopeoPath: join(work, "no-skopeo-here") }), fallback]);
    const registry = environment.registry("plain");
    const result = await Effect.runPromise(chain.push(request(registry, await archive({ format: "docker-legacy", layers: 1, seed: "fallthrough" }))));
    expect(result.strategy).toBe("next");
    expect(result.attempts[0]).toMatchObject({ strategy: "native", outcome: "unavailable" });
    expect(result.attempts[0]?.reason).toMatch(/skopeo was not found at .*apt-get install skopeo/);
  });
});
