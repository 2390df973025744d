import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Redacted } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { AuthenticationFailed, ProjectNotFound } from "@skopush/core";
import { FAKE_DIGEST, FakePushStrategy } from "@skopush/testkit";
import { run } from "@skopush/cli";
import { fakeContainers, testIo } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "skopush-cli-test-"));
const archive = join(dir, "app.tar");
writeFileSync(archive, "not read by fakes");
const caCert = join(dir, "ca.crt");
writeFileSync(caCert, "-----BEGIN CERTIFICATE-----\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEST = "registry.test:5000/demo/app:v1";
const PASSWORD = "s3cret:with$chars";

describe("skopush push", () => {
  it("--digestfile: writes the pushed digest alone, as skopeo does", async () => {
    const { createContainer } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const { io } = testIo();
    const digestFile = join(dir, "digest.txt");
    expect(await run(["push", archive, DEST, "--digestfile", digestFile, "-q"], io, { createContainer })).toBe(0);
    expect(readFileSync(digestFile, "utf8")).toBe(FAKE_DIGEST);
  });

  it("--digestfile in a directory that does not exist: a usage error before anything is pushed", async () => {
    const { createContainer, calls } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const { io, stderr } = testIo();
    expect(await run(["push", archive, DEST, "--digestfile", join(dir, "missing", "d.txt")], io, { createContainer })).toBe(2);
    expect(stderr.text).toContain(`--digestfile ${JSON.stringify(join(dir, "missing", "d.txt"))} cannot be created`);
    expect(calls).toHaveLength(0);
  });

  it("--digestfile naming a directory: a usage error before anything is pushed", async () => {
    const { createContainer, calls } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const { io, stderr } = testIo();
    expect(await run(["push", archive, DEST, "--digestfile", dir], io, { createContainer })).toBe(2);
    expect(stderr.text).toContain("is not a file");
    expect(calls).toHaveLength(0);
  });

  it("--authfile: the containers auth file the credentials providers read; a missing one is a usage error", async () => {
    const authFile = join(dir, "auth.json");
    writeFileSync(authFile, "{}");
    const { createContainer, calls } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    expect(await run(["push", archive, DEST, "--authfile", authFile, "-q"], testIo().io, { createContainer })).toBe(0);
    expect(calls[0]?.credentialsProviders).toMatchObject({ authFile });
    const missing = testIo();
    expect(await run(["push", archive, DEST, "--authfile", join(dir, "nope.json")], missing.io, { createContainer })).toBe(2);
    expect(missing.stderr.text).toContain(`--authfile "${join(dir, "nope.json")}" is not a readable file`);
  });

  it("--verbose: says which strategies were tried and why, where the credentials came from, in plain lines", async () => {
    const { createContainer } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const { io, stderr } = testIo({ tty: true, env: { SKOPUSH_USERNAME: "robot$ci", SKOPUSH_PASSWORD: PASSWORD } });
    expect(await run(["push", archive, DEST, "--verbose"], io, { createContainer })).toBe(0);
    expect(stderr.text).toMatch(/debug +\+ *\d+ ms credentials: credentials for registry\.test:5000: user robot\$ci, from SKOPUSH_USERNAME\/SKOPUSH_PASSWORD/);
    expect(stderr.text).toMatch(/strategy: docker-exec did not push \(\d+ ms\): unavailable: docker-exec: not on this machine \[StrategyUnavailable\]; the next strategy is tried/);
    expect(stderr.text).toMatch(/strategy: native is available: pushing with it/);
    expect(stderr.text).toMatch(/strategy: native pushed sha256:/);
    // Plain lines: debug lines and redraws in place do not mix.
    expect(stderr.text).not.toContain("\u001b[?25l");
    expect(stderr.text).not.toContain(PASSWORD);
  });

  it("without --verbose, publishes nothing it is not asked for", async () => {
    const { createContainer } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const { io, stderr } = testIo();
    await run(["push", archive, DEST], io, { createContainer });
    expect(stderr.text).not.toContain("debug ");
  });

  it("pushes, prints progress on stderr and the final line on stdout, exit 0", async () => {
    const { createContainer } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const { io, stdout, stderr } = testIo();
    const code = await run(["push", archive, DEST], io, { createContainer });
    expect(code).toBe(0);
    // As crane prints it: stdout holds only the pushed reference@digest, the summary goes to stderr.
    expect(stdout.text).toBe(`${DEST}@${FAKE_DIGEST}\n`);
    expect(stderr.text).toMatch(new RegExp(`\\n✔ pushed ${DEST} ${FAKE_DIGEST} with native in \\d+ ms\\n$`));
    expect(stderr.text).toContain("[  0%] docker-exec: trying docker-exec");
    expect(stderr.text).toContain("native: fake native at 50%");
    expect(stderr.text).toContain("  docker-exec: unavailable: docker-exec: not on this machine\n");
  });

  it("--json prints one line with the documented keys on success", async () => {
    const { createContainer } = fakeContainers({ "docker-exec": FakePushStrategy.succeeding("docker-exec") });
    const { io, stdout } = testIo();
    expect(await run(["push", archive, DEST, "--json"], io, { createContainer })).toBe(0);
    expect(stdout.text.endsWith("\n")).toBe(true);
    expect(stdout.text.trim().split("\n")).toHaveLength(1);
    const result = JSON.parse(stdout.text);
    expect(result).toMatchObject({ status: "success", image: DEST, digest: FAKE_DIGEST, method: "docker-exec", attempts: [{ strategy: "docker-exec", outcome: "success" }] });
    expect(typeof result.durationMs).toBe("number");
  });

  it("--json prints one line on failure too, exit 1", async () => {
    const { createContainer } = fakeContainers({
      native: FakePushStrategy.failing("native", new AuthenticationFailed({ registry: "registry.test:5000", username: "ci", reason: "unauthorized" })),
    });
    const { io, stdout, stderr } = testIo();
    expect(await run(["push", archive, DEST, "--json"], io, { createContainer })).toBe(1);
    const result = JSON.parse(stdout.text);
    expect(result).toMatchObject({ status: "error", image: DEST, error: "AuthenticationFailed", retryable: false });
    expect(result.message).toContain("authentication to registry.test:5000 failed");
    expect(result.attempts.map((a: { strategy: string }) => a.strategy)).toEqual(["docker-exec", "dockerode", "native"]);
    expect(stderr.text).toContain("✖ [skopush] authentication");
  });

  it("explains every strategy when none can push, exit 1", async () => {
    const { createContainer } = fakeContainers();
    const { io, stderr } = testIo();
    expect(await run(["push", archive, DEST], io, { createContainer })).toBe(1);
    expect(stderr.text).toContain("no push strategy could push here");
    for (const name of ["docker-exec", "dockerode", "native", "registry"]) expect(stderr.text).toContain(`${name}: unavailable: ${name}: not on this machine`);
  });

  it("--quiet prints only image@digest", async () => {
    const { createContainer } = fakeContainers({ registry: FakePushStrategy.succeeding("registry") });
    const { io, stdout, stderr } = testIo();
    expect(await run(["push", archive, DEST, "-q"], io, { createContainer })).toBe(0);
    expect(stdout.text).toBe(`${DEST}@${FAKE_DIGEST}\n`);
    expect(stderr.text).toBe("");
  });

  it("--strategy chooses the strategies and their order", async () => {
    const native = FakePushStrategy.succeeding("native");
    const registry = FakePushStrategy.unavailable("registry");
    const { createContainer, calls } = fakeContainers({ native, registry });
    const { io, stdout } = testIo();
    await run(["push", archive, DEST, "--strategy", "registry,native", "--json"], io, { createContainer });
    expect(calls[0]?.order).toEqual(["registry", "native"]);
    expect(JSON.parse(stdout.text).attempts.map((a: { strategy: string }) => a.strategy)).toEqual(["registry", "native"]);
  });

  it("--password-stdin hands the password to the strategy for the destination's registry only, and prints it nowhere", async () => {
    const native = FakePushStrategy.failing("native", new AuthenticationFailed({ registry: "registry.test:5000", username: "robot$demo+ci", reason: "unauthorized" }));
    const { createContainer } = fakeContainers({ native });
    const { io, stdout, stderr } = testIo({ stdin: `${PASSWORD}\n` });
    await run(["push", archive, DEST, "--username", "robot$demo+ci", "--password-stdin", "--json"], io, { createContainer });
    const credentials = native.pushes[0]?.credentials;
    expect(credentials?.username).toBe("robot$demo+ci");
    expect(Redacted.value(credentials!.password)).toBe(PASSWORD);
    expect(stdout.text + stderr.text).not.toContain(PASSWORD);
  });

  it("takes credentials from the environment when no flag gives them", async () => {
    const native = FakePushStrategy.succeeding("native");
    const { createContainer } = fakeContainers({ native });
    const { io, stdout, stderr } = testIo({ env: { SKOPUSH_USERNAME: "env-user", SKOPUSH_PASSWORD: PASSWORD } });
    expect(await run(["push", archive, DEST], io, { createContainer })).toBe(0);
    expect(native.pushes[0]?.credentials?.username).toBe("env-user");
    expect(stdout.text + stderr.text).not.toContain(PASSWORD);
  });

  it("verifies TLS by default; --ca-cert adds a CA; --insecure opts out", async () => {
    const native = FakePushStrategy.succeeding("native");
    const { createContainer } = fakeContainers({ native });
    await run(["push", archive, DEST], testIo().io, { createContainer });
    await run(["push", archive, DEST, "--ca-cert", caCert], testIo().io, { createContainer });
    await run(["push", archive, DEST, "--insecure"], testIo().io, { createContainer });
    expect(native.pushes.map((r) => r.tls)).toEqual([
      { verify: true, caFile: undefined, certDir: undefined },
      { verify: true, caFile: caCert, certDir: undefined },
      { verify: false, caFile: undefined, certDir: undefined },
    ]);
  });

  it("builds the destination from --harbor-url/--project/--repository/--tag; http:// turns TLS off with a note", async () => {
    const native = FakePushStrategy.succeeding("native");
    const { createContainer } = fakeContainers({ native });
    const { io, stderr } = testIo();
    const argv = ["push", archive, "--harbor-url", "http://127.0.0.1:8080", "--project", "demo", "--repository", "app", "--tag", "v2"];
    expect(await run(argv, io, { createContainer })).toBe(0);
    expect(native.pushes[0]?.destination.toString()).toBe("127.0.0.1:8080/demo/app:v2");
    expect(native.pushes[0]?.tls.verify).toBe(false);
    expect(stderr.text).toContain("plain http");
  });

  it("--container and --shared-dir point the container strategies at another resident container", async () => {
    const { createContainer, calls } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    await run(["push", archive, DEST, "--container", "skopeo-ci"], testIo({ env: { SKOPEO_SHARED_DIR: "/data/share" } }).io, { createContainer });
    await run(["push", archive, DEST, "--shared-dir", "/srv/share"], testIo().io, { createContainer });
    await run(["push", archive, DEST], testIo().io, { createContainer });
    const resident = (name: string, hostPath: string) => ({ containerName: name, sharedDir: { hostPath, containerPath: "/tmp/skopeo" } });
    expect(calls.map((c) => c.strategies)).toEqual([
      { "docker-exec": resident("skopeo-ci", "/data/share"), dockerode: resident("skopeo-ci", "/data/share") },
      { "docker-exec": resident("skopeo-service", "/srv/share"), dockerode: resident("skopeo-service", "/srv/share") },
      undefined,
    ]);
  });

  it("puts a Harbor provider in front for --ensure-project and --ephemeral-robot", async () => {
    const { createContainer, calls } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    await run(["push", archive, "harbor.test/demo/app:v1", "--ensure-project", "--ephemeral-robot", "--ca-cert", caCert], testIo().io, { createContainer });
    expect(calls[0]?.harbor).toEqual({
      url: "https://harbor.test",
      registry: "harbor.test",
      ensureProject: true,
      ephemeralRobot: true,
      tls: { caFile: caCert, insecure: false },
    });
    await run(["push", archive, "harbor.test/demo/app:v1"], testIo().io, { createContainer });
    expect(calls[1]?.harbor).toBeUndefined();
    await run(["push", archive, "registry.harbor.test/demo/app:v1", "--harbor-url", "https://harbor.test:8443", "--ensure-project"], testIo().io, { createContainer });
    expect(calls[2]?.harbor).toMatchObject({ url: "https://harbor.test:8443", registry: "registry.harbor.test" });
  });

  it("hands Harbor's API client the CAs of --cert-dir", async () => {
    const certDir = join(dir, "certs.d");
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, "a.crt"), "CA-ONE\n");
    writeFileSync(join(certDir, "b.crt"), "CA-TWO\n");
    writeFileSync(join(certDir, "client.key"), "not a CA\n");
    const { createContainer, calls } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    await run(["push", archive, "harbor.test/demo/app:v1", "--ensure-project", "--cert-dir", certDir], testIo().io, { createContainer });
    expect(calls[0]?.harbor?.tls).toEqual({ caFile: undefined, ca: "CA-ONE\n\nCA-TWO\n", insecure: false });
  });

  it("reports a Harbor failure such as a missing project with exit 1", async () => {
    const { createContainer } = fakeContainers({ native: FakePushStrategy.failing("native", new ProjectNotFound({ registry: "h.test", project: "demo" })) });
    const { io, stderr } = testIo();
    expect(await run(["push", archive, "h.test/demo/app:v1"], io, { createContainer })).toBe(1);
    expect(stderr.text).toContain("--ensure-project");
  });

  describe("input errors exit 2, before any strategy runs", () => {
    const cases: Array<[string, string[], string, string?]> = [
      ["an invalid reference", ["push", archive, "Registry.test/Demo/app:v1"], "InvalidReference"],
      ["an invalid tag", ["push", archive, "r.test/demo/app:bad tag!"], "InvalidReference"],
      ["an invalid Harbor project", ["push", archive, "--harbor-url", "https://h.test", "--project", "Demo", "--repository", "app"], "InvalidReference"],
      ["a missing archive", ["push", join(dir, "missing.tar"), DEST], "ArchiveInvalid", "does not exist"],
      ["a missing --ca-cert", ["push", archive, DEST, "--ca-cert", join(dir, "nope.crt")], "UsageError", "is not a readable file"],
      ["an unknown flag", ["push", archive, DEST, "--nope"], "UsageError", "unknown flag --nope"],
      ["a password flag", ["push", archive, DEST, "--password", PASSWORD], "UsageError", "a password or token on the command line is not accepted"],
      ["an empty password on stdin", ["push", archive, DEST, "-u", "ci", "--password-stdin"], "UsageError", "empty password"],
    ];
    it.each(cases)("%s", async (_name, argv, tag, text) => {
      const native = FakePushStrategy.succeeding("native");
      const { createContainer } = fakeContainers({ native });
      const { io, stdout, stderr } = testIo({ stdin: "" });
      expect(await run([...argv, "--json"], io, { createContainer })).toBe(2);
      const result = JSON.parse(stdout.text);
      expect(result).toMatchObject({ status: "error", error: tag, attempts: [] });
      if (text) expect(result.message).toContain(text);
      expect(stderr.text).toContain("✖");
      expect(stdout.text + stderr.text).not.toContain(PASSWORD);
      expect(native.probes).toBe(0);
    });
  });

  it("SIGINT cancels the push, waits for its cleanup, exit 130", async () => {
    const hanging = FakePushStrategy.hanging("native");
    const { createContainer } = fakeContainers({ native: hanging });
    const { io, stdout, stderr, signal } = testIo();
    const pending = run(["push", archive, DEST, "--json"], io, { createContainer });
    await vi_waitFor(() => hanging.pushes.length === 1);
    signal("SIGINT");
    expect(await pending).toBe(130);
    expect(hanging.cleanups).toBe(1);
    expect(JSON.parse(stdout.text)).toMatchObject({ status: "error", error: "PushCancelled" });
    expect(stderr.text).toContain("SIGINT: cancelling the push and cleaning up");
  });

  it("SIGINT that comes too late (the registry took the manifest) is a success with a note, exit 0, JSON status success", async () => {
    const hanging = FakePushStrategy.hanging("native");
    const { createContainer } = fakeContainers({ native: hanging });
    const landedAfterCancel = () => Effect.succeed({ digest: FAKE_DIGEST, bytesPushed: 0, verified: true });
    const { io, stdout, stderr, signal } = testIo();
    const pending = run(["push", archive, DEST, "--json"], io, { createContainer: (options) => createContainer({ ...options, chain: { ...options.chain, landedAfterCancel } }) });
    await vi_waitFor(() => hanging.pushes.length === 1);
    signal("SIGINT");
    expect(await pending).toBe(0);
    expect(hanging.cleanups).toBe(1);
    expect(JSON.parse(stdout.text)).toMatchObject({ status: "success", digest: FAKE_DIGEST, cancelledTooLate: true });
    expect(stderr.text).toContain("the cancel came too late");
  });

  it("a signal after the result is printed ends the process with the result's code, never 130", async () => {
    const { createContainer } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const { io, stdout, exits, signal } = testIo();
    expect(await run(["push", archive, DEST, "--json"], io, { createContainer })).toBe(0);
    signal("SIGINT");
    expect(exits).toEqual([0]);
    expect(JSON.parse(stdout.text)).toMatchObject({ status: "success" });
  });

  it("SIGTERM exits 143; a second signal exits at once", async () => {
    const hanging = FakePushStrategy.hanging("native");
    const { createContainer } = fakeContainers({ native: hanging });
    const { io, exits, signal } = testIo();
    const pending = run(["push", archive, DEST], io, { createContainer });
    await vi_waitFor(() => hanging.pushes.length === 1);
    signal("SIGTERM");
    signal("SIGTERM");
    expect(exits).toEqual([143]);
    expect(await pending).toBe(143);
  });
});

const vi_waitFor = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error("condition not reached");
};
