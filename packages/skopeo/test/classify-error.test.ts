import { describe, expect, it } from "vitest";
import { ImageReference, type PushError } from "@skopush/core";
import { causeOf, classifySkopeoFailure, isConnectionCut, skopeoErrorMessage, type SkopeoFailure } from "../src/index.js";
import { readRecording, type Recording } from "./support/recorded-output.js";
import { SKOPEO_SCENARIOS } from "./support/skopeo-scenarios.js";

const failing = SKOPEO_SCENARIOS.filter((scenario) => scenario.expected !== undefined);

const classifyRecording = (recording: Recording, overrides: Partial<SkopeoFailure> = {}): PushError =>
  classifySkopeoFailure({
    strategy: "native",
    exitCode: recording.context.exitCode,
    stderr: recording.stderr,
    destination: ImageReference.parseOrThrow(recording.context.destination),
    archivePath: recording.context.archivePath,
    username: recording.context.username,
    ...overrides,
  });

const classified = async (name: string, overrides: Partial<SkopeoFailure> = {}) => classifyRecording(await readRecording(name), overrides);

describe("classifySkopeoFailure on recorded skopeo 1.9.3 stderr", () => {
  it.each(failing.map((scenario) => [scenario.name, scenario.expected] as const))("%s → %s", async (name, expected) => {
    const error = await classified(name);
    expect(error._tag, error.message).toBe(expected);
    expect(error.message).toMatch(/^\[skopush\] /);
  });

  it("AuthenticationFailed names the registry and the user, and says what to check", async () => {
    const error = await classified("wrong-password");
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", registry: "127.0.0.1:5000", username: "robot$skopush+ci" });
    expect(error.message).toContain("authentication required");
    expect(error.message).toContain("robot$samples+ci");
    const anonymous = await classified("anonymous-to-auth-registry");
    expect(anonymous._tag).toBe("AuthenticationFailed");
    expect((anonymous as { username?: string }).username).toBeUndefined();
    expect(anonymous.message).toContain("provide credentials for 127.0.0.1:5000");
  });

  it("says a token registry's 'denied' may be a wrong password, a missing project or missing rights", async () => {
    const error = await classified("token-wrong-password");
    expect(error).toMatchObject({ _tag: "AccessDenied", registry: "127.0.0.1:5000", repository: "skopush/token-wrong-password" });
    expect(error.message).toMatch(/wrong password.*missing project/);
    expect(error.message).toContain("check the password of robot$skopush+ci, that project skopush exists");
    expect(error.message).not.toContain("error parsing HTTP");
    // The challenge-parsing noise on the error lines before the fatal one does not sway the verdict.
    expect((await classified("token-pull-only"))._tag).toBe("AccessDenied");
  });

  it("reads Harbor's project-not-found, quota and repository messages", async () => {
    expect(await classified("harbor-project-not-found-on-upload")).toMatchObject({ _tag: "ProjectNotFound", project: "demo", registry: "127.0.0.1:5000" });
    const quota = await classified("harbor-quota-exceeded-on-blob");
    expect(quota).toMatchObject({ _tag: "QuotaExceeded" });
    expect((quota as { detail: string }).detail).toBe(
      "adding 29.0 MiB of storage resource, which when updated to current usage of 152.4 MiB will exceed the configured upper limit of 10.0 MiB.",
    );
    expect((await classified("harbor-unauthorized-to-access-repository")).message).toMatch(/wrong password.*push permission/);
  });

  it("reads Harbor's own answers through its core (the stand-in's registry front)", async () => {
    const quota = await classified("harbor-front-quota-exceeded");
    expect(quota).toMatchObject({ _tag: "QuotaExceeded", registry: "127.0.0.1:5000" });
    expect((quota as { detail: string }).detail).toBe(
      "adding 33.5 KiB of storage resource, which when updated to current usage of 1.7 KiB will exceed the configured upper limit of 4.0 KiB.",
    );
    // skopeo never sees the body of Harbor's 401 to its first blob HEAD, so a missing project reads
    // "authentication required"; the fix names the project as a cause.
    const missing = await classified("harbor-front-missing-project");
    expect(missing).toMatchObject({ _tag: "AuthenticationFailed", username: "admin" });
    expect(missing.message).toContain("Harbor also answers so when project no-such-project does not exist");
    expect((await classified("harbor-front-pull-only")).message).toMatch(/without push permission/);
  });

  it("explains TLS failures, the plain-HTTP registry among them, with the fix", async () => {
    const untrusted = await classified("untrusted-certificate");
    expect(untrusted).toMatchObject({ _tag: "TlsVerificationFailed", reason: "certificate signed by unknown authority" });
    expect(untrusted.message).toContain("the tls.caFile option");
    const plain = await classified("plain-http-registry-with-tls");
    expect(plain.message).toMatch(/plain HTTP.*tls: { verify: false }/);
  });

  it("keeps the network cause of RegistryUnreachable, which is retryable", async () => {
    expect(await classified("connection-refused")).toMatchObject({ reason: "dial tcp 127.0.0.1:5000: connect: connection refused", isRetryable: true });
    expect(await classified("no-such-host")).toMatchObject({ reason: "dial tcp: lookup registry.skopush.invalid on 127.0.0.1:53: no such host" });
    expect(await classified("tls-handshake-timeout")).toMatchObject({ reason: "net/http: TLS handshake timeout" });
  });

  it("tells a connection cut mid-upload (which skopeo does not retry) from other network failures", async () => {
    // What skopeo 1.9.3 printed, with --retry-times 2, when the server closed the connection under a PATCH.
    const cut = (cause: string) =>
      classifySkopeoFailure({
        strategy: "native",
        exitCode: 1,
        stderr: `time="2026-11-28T06:35:30Z" level=fatal msg="writing blob: Patch \\"http://127.0.0.1:43017/v2/x/app/blobs/uploads/u1\\": ${cause}"\n`,
        destination: ImageReference.parseOrThrow("127.0.0.1:43017/x/app:v1"),
        archivePath: "/a.tar",
      });
    for (const cause of ["write tcp 127.0.0.1:40506->127.0.0.1:43017: write: broken pipe", "write tcp 127.0.0.1:40900->127.0.0.1:39739: use of closed network connection"]) {
      const error = cut(cause);
      expect(error).toMatchObject({ _tag: "RegistryUnreachable", reason: cause });
      expect(isConnectionCut(error)).toBe(true);
    }
    expect(isConnectionCut(cut("EOF"))).toBe(false);
    expect(isConnectionCut(await classified("connection-refused"))).toBe(false);
    expect(isConnectionCut(await classified("service-unavailable"))).toBe(false);
  });

  it("gives registry errors their status, so 429 and 503 are retryable and 500 is not", async () => {
    expect(await classified("too-many-requests")).toMatchObject({ _tag: "RegistryError", status: 429, isRetryable: true });
    expect(await classified("service-unavailable")).toMatchObject({ _tag: "RegistryError", status: 503, isRetryable: true });
    expect(await classified("internal-server-error")).toMatchObject({ _tag: "RegistryError", status: 500, isRetryable: false });
    expect(await classified("name-unknown")).toMatchObject({ _tag: "RegistryError", status: 404, code: "NAME_UNKNOWN" });
    expect(await classified("harbor-repository-without-project")).toMatchObject({ _tag: "RegistryError", reason: "invalid repository name: app" });
  });

  it("names the manifest problem", async () => {
    expect(await classified("manifest-invalid")).toMatchObject({ _tag: "ManifestRejected", reason: "manifest invalid: manifest invalid" });
    expect(await classified("manifest-blob-unknown")).toMatchObject({ _tag: "ManifestRejected", reason: "manifest blob unknown" });
  });

  it("reports archive problems against the user's path, not the staged one", async () => {
    const recording = await readRecording("archive-truncated");
    const error = classifyRecording(recording, { archivePath: "/home/me/build:7/image.tar", stagedPath: recording.context.archivePath });
    expect(error).toMatchObject({ _tag: "ArchiveInvalid", path: "/home/me/build:7/image.tar" });
    expect(error.message).toContain("unexpected EOF");
    expect(error.message).not.toContain(recording.context.archivePath);
    const lie = await classified("archive-diff-id-mismatch");
    expect(lie.message).toMatch(/content does not match its digest/);
  });

  it("redacts secrets (and their base64 user:secret form) from every message", async () => {
    const secret = "s3cr:et$";
    const basic = Buffer.from(`robot$skopush+ci:${secret}`).toString("base64");
    const stderr = `time="x" level=fatal msg="writing blob: weird failure with ${secret} and Basic ${basic}"`;
    const error = classifySkopeoFailure({
      strategy: "native",
      exitCode: 1,
      stderr,
      destination: ImageReference.parseOrThrow("127.0.0.1:5000/p/r:v1"),
      archivePath: "/a.tar",
      username: "robot$skopush+ci",
      secrets: [secret],
    });
    expect(error._tag).toBe("CommandFailed");
    expect(error.message).toContain("<redacted>");
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(basic);
    expect((error as { stderr: string }).stderr).not.toContain(secret);
  });

  it("keeps an unrecognised failure as CommandFailed with its exit code and stderr", () => {
    const error = classifySkopeoFailure({
      strategy: "native",
      exitCode: 125,
      stderr: "something nobody has seen before\n",
      destination: ImageReference.parseOrThrow("127.0.0.1:5000/p/r:v1"),
      archivePath: "/a.tar",
    });
    expect(error).toMatchObject({ _tag: "CommandFailed", exitCode: 125, strategy: "native", command: "skopeo copy" });
    expect(error.message).toContain("something nobody has seen before");
  });

  it("recognises environment problems of skopeo itself", () => {
    const fault = (stderr: string) =>
      classifySkopeoFailure({ strategy: "native", exitCode: 1, stderr, destination: ImageReference.parseOrThrow("127.0.0.1:5000/p/r:v1"), archivePath: "/a.tar" });
    expect(fault('time="x" level=fatal msg="Error loading trust policy: open /etc/containers/policy.json: no such file or directory"')._tag).toBe("EnvironmentFault");
    expect(fault('time="x" level=fatal msg="writing blob: storing blob to file \\"/tmp/x\\": write /tmp/x: no space left on device"')._tag).toBe("EnvironmentFault");
  });
});

describe("classifySkopeoFailure: what stops the chain instead of falling through as CommandFailed (issue 14.5)", () => {
  // Both lines are skopeo 1.9.3's own stderr, recorded in a network namespace with no interfaces: it
  // fails on both before any connection.
  const classify = (destination: string, stderr: string) =>
    classifySkopeoFailure({ strategy: "native", exitCode: 1, stderr, destination: ImageReference.parseOrThrow(destination), archivePath: "/a.tar" });
  const digest = `sha256:${"a".repeat(64)}`;

  it("a destination digest that is not the archive's manifest's → ManifestRejected naming the digest and the fix", () => {
    const error = classify(`127.0.0.1:5000/p/a@${digest}`, `time="2026-12-05T00:42:09Z" level=fatal msg="Digest of source image's manifest would not match destination reference"\n`);
    expect(error._tag).toBe("ManifestRejected");
    expect(error.message).toContain(digest);
    expect(error.message).toContain("Push by tag");
  });

  it("an IPv6 literal host → StrategyUnavailable: skopeo cannot address it, another strategy may", () => {
    const error = classify("[::1]:5000/p/a:v1", `time="2026-12-05T00:31:59Z" level=fatal msg="Invalid destination name docker://[::1]:5000/p/a:v1: invalid reference format"\n`);
    expect(error._tag).toBe("StrategyUnavailable");
    expect(error.message).toContain("IPv6 literal host [::1]:5000");
    expect(error.message).toContain("registry strategy");
  });
});

describe("skopeoErrorMessage and causeOf", () => {
  it("unquotes the fatal message and strips the context around the cause", () => {
    const stderr = 'time="t" level=error msg="noise"\ntime="t" level=fatal msg="trying to reuse blob sha256:ab at destination: pinging container registry h:1: Get \\"https://h:1/v2/\\": x509: certificate signed by unknown authority"\n';
    const message = skopeoErrorMessage(stderr);
    expect(message).toBe('trying to reuse blob sha256:ab at destination: pinging container registry h:1: Get "https://h:1/v2/": x509: certificate signed by unknown authority');
    expect(causeOf(message)).toBe("x509: certificate signed by unknown authority");
  });

  it("joins a registry's error list into one line", () => {
    expect(causeOf("writing blob: initiating layer upload to /v2/p/r/blobs/uploads/ in h: errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required\n")).toBe(
      "denied: requested access to the resource is denied; unauthorized: authentication required",
    );
  });

  it("falls back to error lines, then to stderr as printed", () => {
    expect(skopeoErrorMessage('time="t" level=error msg="only an error"')).toBe("only an error");
    expect(skopeoErrorMessage("Error: unknown flag: --nope\n")).toBe("Error: unknown flag: --nope");
  });
});
