import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTestEnvironment, readManifest, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { HOSTILE_ARCHIVE_KINDS, writeHostileArchive, writeImageArchive, type HostileArchive, type HostileArchiveKind } from "@skopush/testkit/fixtures";
import {
  entriesOf,
  isRunning,
  processInfo,
  startProcessSampler,
  startResidentContainer,
  storedTags,
  unusedLoopbackPort,
  type ResidentContainer,
} from "@skopush/testkit/hardening";
import { assertBuilt, startCli } from "../spawn-cli.js";
import { ciEnv, freshDir, scratch, uniqueRepository } from "./support.js";

// Broken and hostile input through `skopush push … --json`, the default chain (docker-exec first, through
// this file's resident container). Each row gets a typed error (the JSON `error` tag), a message that says
// what to do, the exit code docs/cli.md documents (2: found before anything was pushed; 1: the push
// failed), and leaves nothing behind: no temp file, no authfile, nothing in the shared directory, no child
// process, no tag. One row must WORK: credentials holding ':' and '$'.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;
let image: string;
let unusedPort: number;
const hostile = new Map<HostileArchiveKind, HostileArchive>();

/** What a row's argv is built from. */
interface Context {
  readonly registry: (kind: "plain" | "tls" | "basic" | "token") => TestRegistry;
  /** A valid image archive. */
  readonly image: string;
  /** This row's repository: nothing may be tagged in it unless the row succeeds. */
  readonly repository: string;
  readonly work: string;
  readonly unusedPort: number;
}

interface Row {
  readonly name: string;
  /** Everything after `push`; `--json` and the resident container's flags are added. */
  readonly argv: (context: Context) => string[];
  readonly stdin?: ((context: Context) => string) | undefined;
  /** The JSON `error` tag, or "success". */
  readonly outcome: string;
  readonly exit: 0 | 1 | 2;
  /** What the message must say (what to do). */
  readonly says: RegExp;
  /** The registry whose repository must end without tags (or, on success, with the pushed one). @default "tls" */
  readonly registry?: "plain" | "tls" | "basic" | "token" | undefined;
  /** The repository the row pushes to. @default a fresh one in the project "hardening" */
  readonly repository?: (() => string) | undefined;
}

const tls = (context: Context, archive: string = context.image, ...flags: string[]) => [
  archive,
  `${context.registry("tls").host}/${context.repository}:v1`,
  "--ca-cert",
  context.registry("tls").caFile!,
  ...flags,
];
const withReference = (reference: (context: Context) => string) => (context: Context) => [context.image, reference(context), "--ca-cert", context.registry("tls").caFile!];
const FIX = /\. Fix: \S/;
const USAGE = /\(see skopush push --help\)$/;

const ARCHIVE_ROWS: Row[] = [
  { name: "a missing file", argv: (c) => tls(c, join(c.work, "does-not-exist.tar")), outcome: "ArchiveInvalid", exit: 2, says: /does not exist\. Fix: check the path/ },
  { name: "a directory that is not an OCI layout", argv: (c) => tls(c, c.work), outcome: "ArchiveInvalid", exit: 2, says: FIX },
  { name: "a character device (/dev/null)", argv: (c) => tls(c, "/dev/null"), outcome: "ArchiveInvalid", exit: 2, says: /is not a file\. Fix: pass the image archive's file/ },
  ...HOSTILE_ARCHIVE_KINDS.map(
    (kind): Row => ({
      name: `a hostile archive: ${kind}`,
      argv: (c) => tls(c, hostile.get(kind)!.path),
      outcome: "ArchiveInvalid",
      exit: 2,
      says: new RegExp(`${hostile.get(kind)?.mentions.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^]*") ?? ""}[^]*${FIX.source}`, "i"),
    }),
  ),
];

const REFERENCE_ROWS: Row[] = [
  { name: "an upper-case repository", argv: withReference((c) => `${c.registry("tls").host}/Hardening/App:v1`), outcome: "InvalidReference", exit: 2, says: /must be lowercase\. Fix: use lower-case/ },
  { name: "a space in the repository", argv: withReference((c) => `${c.registry("tls").host}/hardening/my app:v1`), outcome: "InvalidReference", exit: 2, says: /whitespace\. Fix: / },
  { name: "an empty path component", argv: withReference((c) => `${c.registry("tls").host}//app:v1`), outcome: "InvalidReference", exit: 2, says: /empty path component.*\. Fix: / },
  { name: "a trailing slash", argv: withReference((c) => `${c.registry("tls").host}/hardening/app/:v1`), outcome: "InvalidReference", exit: 2, says: FIX },
  { name: "a tag starting with '-'", argv: withReference((c) => `${c.registry("tls").host}/hardening/app:-v1`), outcome: "InvalidReference", exit: 2, says: /tag must start with.*\. Fix: use at most 128/ },
  { name: "a 129-character tag", argv: withReference((c) => `${c.registry("tls").host}/hardening/app:${"a".repeat(129)}`), outcome: "InvalidReference", exit: 2, says: /129 characters.*\. Fix: use at most 128/ },
  { name: "a digest that is not one", argv: withReference((c) => `${c.registry("tls").host}/hardening/app@sha256:abc`), outcome: "InvalidReference", exit: 2, says: /digest .*\. Fix: write it as sha256:/ },
  { name: "an empty destination", argv: withReference(() => ""), outcome: "InvalidReference", exit: 2, says: /reference is empty\. Fix: write it as host/ },
  {
    name: "a Harbor URL with a path",
    argv: (c) => [c.image, "--harbor-url", `${c.registry("tls").url}/harbor`, "--project", "hardening", "--repository", "app"],
    outcome: "InvalidReference",
    exit: 2,
    says: /must not contain a path.*\. Fix: write the registry as host/,
  },
  {
    name: "a Harbor project with upper case",
    argv: (c) => [c.image, "--harbor-url", c.registry("tls").url, "--project", "Team", "--repository", "app", "--ca-cert", c.registry("tls").caFile!],
    outcome: "InvalidReference",
    exit: 2,
    says: /project must be lowercase\. Fix: use a Harbor project name/,
  },
];

const USAGE_ROWS: Row[] = [
  { name: "a --ca-cert that is not a file", argv: (c) => tls(c, c.image).slice(0, 3).concat(join(c.work, "no-ca.crt")), outcome: "UsageError", exit: 2, says: USAGE },
  {
    name: "an empty --password-stdin",
    argv: (c) => [...tls(c), "-u", "someone", "--password-stdin"],
    stdin: () => "\n",
    outcome: "UsageError",
    exit: 2,
    says: /empty password.*\(see skopush push --help\)$/,
  },
  { name: "a --password flag (refused, never echoed)", argv: (c) => [...tls(c), "--password", "hunter2:pa$$"], outcome: "UsageError", exit: 2, says: /--password-stdin/ },
  { name: "--insecure with --ca-cert", argv: (c) => [...tls(c), "--insecure"], outcome: "UsageError", exit: 2, says: USAGE },
];

const basic = (context: Context, ...flags: string[]) => [context.image, `${context.registry("basic").host}/${context.repository}:v1`, "--ca-cert", context.registry("basic").caFile!, ...flags];

const PUSH_ROWS: Row[] = [
  {
    name: "credentials holding ':' and '$' (they must work)",
    argv: (c) => basic(c, "-u", c.registry("basic").credentials!.username, "--password-stdin"),
    stdin: (c) => c.registry("basic").credentials!.password,
    outcome: "success",
    exit: 0,
    says: /^$/,
    registry: "basic",
  },
  {
    name: "a wrong password",
    argv: (c) => basic(c, "-u", c.registry("basic").credentials!.username, "--password-stdin"),
    stdin: () => "wrong:pa$$word",
    outcome: "AuthenticationFailed",
    exit: 1,
    says: /authentication to .* failed for user .*\. Fix: /,
    registry: "basic",
  },
  {
    name: "a wrong password for a Harbor-style token registry",
    repository: () => uniqueRepository("input").replace(/^hardening\//, `${environment.harbor.project}/`),
    argv: (c) => [c.image, `${c.registry("token").host}/${c.repository}:v1`, "--ca-cert", c.registry("token").caFile!, "-u", environment.harbor.accounts.robot.username, "--password-stdin"],
    stdin: () => "wrong:pa$$word",
    outcome: "AuthenticationFailed",
    exit: 1,
    says: /authentication to .* failed for user "robot\$.*refused the credentials \(HTTP 401\)\. Fix: /,
    registry: "token",
  },
  { name: "no credentials for a registry that needs them", argv: (c) => basic(c), outcome: "AuthenticationFailed", exit: 1, says: /Fix: provide credentials/, registry: "basic" },
  { name: "an unreachable registry", argv: (c) => [c.image, `127.0.0.1:${c.unusedPort}/${c.repository}:v1`], outcome: "RegistryUnreachable", exit: 1, says: /unreachable: .*connection refused\. Fix: check the address and port/ },
  { name: "an untrusted certificate", argv: (c) => [c.image, `${c.registry("tls").host}/${c.repository}:v1`], outcome: "TlsVerificationFailed", exit: 1, says: /Fix: trust the registry's CA with --ca-cert/ },
  {
    name: "a Harbor project that does not exist",
    repository: () => uniqueRepository("input").replace(/^hardening\//, `${environment.harbor.missingProject}/`),
    argv: (c) => [c.image, `${c.registry("token").host}/${c.repository}:v1`, "--ca-cert", c.registry("token").caFile!, "-u", environment.harbor.accounts.robot.username, "--password-stdin"],
    stdin: () => environment.harbor.accounts.robot.password,
    outcome: "AccessDenied",
    exit: 1,
    says: /that project no-such-project exists/,
    registry: "token",
  },
  {
    name: "a Harbor project that does not exist, asked of Harbor's API (--ephemeral-robot)",
    repository: () => uniqueRepository("input").replace(/^hardening\//, `${environment.harbor.missingProject}/`),
    argv: (c) => [
      c.image, `${c.registry("token").host}/${c.repository}:v1`, "--harbor-url", environment.harbor.url, "--ca-cert", environment.harbor.caFile,
      "-u", environment.harbor.accounts.projectAdmin.username, "--password-stdin", "--ephemeral-robot",
    ],
    stdin: () => environment.harbor.accounts.projectAdmin.password,
    outcome: "ProjectNotFound",
    exit: 1,
    says: /not found on .*Fix: .*--ensure-project/,
    registry: "token",
  },
];

const ROWS = [...ARCHIVE_ROWS, ...REFERENCE_ROWS, ...USAGE_ROWS, ...PUSH_ROWS];

beforeAll(async () => {
  assertBuilt();
  environment = await loadTestEnvironment();
  work = await scratch("hostile-input");
  resident = await startResidentContainer({ image: environment.skopeoImage });
  image = (await writeImageArchive(join(work.dir, "image.tar"), { format: "docker-legacy", layers: 2, layerSize: 64 << 10, seed: `hostile-input-${randomBytes(4).toString("hex")}` })).path;
  const hostileDir = join(work.dir, "hostile");
  await mkdir(hostileDir);
  for (const kind of HOSTILE_ARCHIVE_KINDS) hostile.set(kind, await writeHostileArchive(join(hostileDir, `${kind}.tar`), kind));
  unusedPort = await unusedLoopbackPort();
});

afterAll(async () => {
  await resident?.remove();
  await work?.cleanup();
});

describe("skopush push with broken and hostile input (the built binary, the default chain)", () => {
  it("has at least 25 cases", () => expect(ROWS.length).toBeGreaterThanOrEqual(25));

  it.each(ROWS.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    const tmp = await freshDir(work.dir, "tmp");
    const repository = row.repository?.() ?? uniqueRepository("input");
    const context: Context = { registry: (kind) => environment.registry(kind), image, repository, work: work.dir, unusedPort };
    const stdin = row.stdin?.(context);
    const cli = startCli(["push", ...row.argv(context), "--json", "--container", resident.name, "--shared-dir", resident.sharedDir], { env: ciEnv(work.home, tmp), stdin });
    const sampler = startProcessSampler({ roots: () => [cli.pid] });
    const run = await cli.done;
    const seen = await sampler.stop();

    const lines = run.stdout.trim().split("\n");
    expect(lines, run.stderr).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as { status: string; error?: string; message?: string; digest?: string; image?: string };
    expect(result.status === "success" ? "success" : result.error, run.stdout).toBe(row.outcome);
    expect(run.code, run.stderr).toBe(row.exit);
    if (result.status === "error") {
      expect(result.message).toMatch(row.says);
      expect(run.stderr).toContain(result.message);
    }
    // Nothing left behind.
    expect(entriesOf(tmp)).toEqual([]);
    expect(resident.leftovers()).toEqual([]);
    expect(await resident.processes()).toEqual([]);
    expect(seen.descendants.filter((child) => isRunning(child.pid) && processInfo(child.pid)?.cmdline === child.cmdline)).toEqual([]);
    // The registry's own storage, read on disk: no tag unless the row pushed, and then the pushed manifest.
    const registry = environment.registry(row.registry ?? "tls");
    if (result.status === "success") {
      expect(storedTags(registry, repository)).toEqual(["v1"]);
      expect((await readManifest(registry, repository, "v1")).digest).toBe(result.digest);
    } else {
      expect(storedTags(registry, repository)).toEqual([]);
    }
    // A secret given on stdin never comes back.
    if (stdin !== undefined && stdin.trim() !== "") expect(run.stdout + run.stderr).not.toContain(stdin);
    expect(run.stdout + run.stderr).not.toContain("hunter2");
  });
});
