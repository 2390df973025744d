import { describe, expect, it } from "vitest";
import { parsePushArguments, UsageError } from "@skopush/cli";

const reason = (argv: string[]): string => {
  try {
    parsePushArguments(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error("expected a UsageError");
};

describe("parsePushArguments", () => {
  it("takes an archive and a destination reference, with safe defaults", () => {
    expect(parsePushArguments(["app.tar", "harbor.example.com/team/app:1.4"])).toEqual({
      archive: "app.tar",
      destination: { kind: "reference", reference: "harbor.example.com/team/app:1.4", harborUrl: undefined },
      username: undefined,
      passwordStdin: false,
      strategies: undefined,
      container: undefined,
      sharedDir: undefined,
      caCert: undefined,
      certDir: undefined,
      insecure: false,
      ensureProject: false,
      ephemeralRobot: false,
      manifestFormat: undefined,
      platform: undefined,
      image: undefined,
      timeoutMs: undefined,
      stallTimeoutMs: undefined,
      json: false,
      quiet: false,
      authFile: undefined,
      digestFile: undefined,
      verbose: false,
    });
  });

  it("reads --timeout and --stall-timeout as durations (90s, 10m, 1h, 1m30s, 500ms; a bare number is seconds)", () => {
    const limits = (timeout: string, stall: string) => {
      const args = parsePushArguments(["a.tar", "h.example/p/a:1", "--timeout", timeout, "--stall-timeout", stall]);
      return args === "help" ? undefined : [args.timeoutMs, args.stallTimeoutMs];
    };
    expect(limits("90s", "10m")).toEqual([90_000, 600_000]);
    expect(limits("1h", "1m30s")).toEqual([3_600_000, 90_000]);
    expect(limits("500ms", "45")).toEqual([500, 45_000]);
    for (const bad of ["0", "-5s", "soon", "5 m", "10d", ""]) {
      expect(reason(["a.tar", "h.example/p/a:1", `--timeout=${bad}`])).toMatch(/--timeout takes a duration such as 90s/);
    }
  });

  it("reads --platform (os/architecture[/variant]) and --image", () => {
    expect(parsePushArguments(["a.tar", "h.example/p/a:1", "--platform", "linux/arm64", "--image", "app:v1"])).toMatchObject({ platform: "linux/arm64", image: "app:v1" });
    expect(parsePushArguments(["a.tar", "h.example/p/a:1", "--platform=linux/arm/v7"])).toMatchObject({ platform: "linux/arm/v7" });
    for (const bad of ["arm64", "linux/", "linux/arm64/v8/x", "Linux/ARM64", "linux/arm64 --all", ""]) {
      expect(reason(["a.tar", "h.example/p/a:1", `--platform=${bad}`])).toMatch(/--platform takes os\/architecture\[\/variant\]/);
    }
    expect(reason(["a.tar", "h.example/p/a:1", "--image="])).toMatch(/--image needs a name/);
  });

  it("takes the seed's Harbor parts instead of a reference", () => {
    const args = parsePushArguments(["app.tar", "--harbor-url", "https://harbor.example.com", "--project", "team", "--repository", "app", "--tag=2"]);
    expect(args).toMatchObject({ destination: { kind: "harbor", harborUrl: "https://harbor.example.com", project: "team", repository: "app", tag: "2" } });
  });

  it("reads every flag", () => {
    const args = parsePushArguments([
      "app.tar", "r.test/p/app:1", "-u", "robot$p+ci", "--password-stdin", "--strategy", "native,registry",
      "--ca-cert", "ca.crt", "--ensure-project", "--ephemeral-robot", "--format", "oci", "--compression", "zstd", "--json", "-q",
    ]);
    expect(args).toMatchObject({
      username: "robot$p+ci",
      passwordStdin: true,
      strategies: ["native", "registry"],
      caCert: "ca.crt",
      ensureProject: true,
      ephemeralRobot: true,
      manifestFormat: "oci",
      compression: "zstd",
      json: true,
      quiet: true,
    });
  });

  it("takes each --compression choice and leaves it to the library when absent", () => {
    for (const choice of ["gzip", "zstd", "none"] as const) {
      expect(parsePushArguments(["a.tar", "r.test/p/a:1", `--compression=${choice}`])).toMatchObject({ compression: choice });
    }
    expect(parsePushArguments(["a.tar", "r.test/p/a:1"])).toMatchObject({ compression: undefined });
  });

  it("accumulates repeated --strategy flags in order", () => {
    expect(parsePushArguments(["a.tar", "r.test/p/a:1", "--strategy", "registry", "--strategy", "docker-exec,dockerode"])).toMatchObject({
      strategies: ["registry", "docker-exec", "dockerode"],
    });
  });

  it("returns help for --help", () => {
    expect(parsePushArguments(["--help"])).toBe("help");
  });

  it.each([
    [["--password", "hunter2", "a.tar", "r.test/p/a:1"]],
    [["a.tar", "r.test/p/a:1", "--password=hunter2"]],
    [["a.tar", "r.test/p/a:1", "-p", "hunter2"]],
    [["a.tar", "r.test/p/a:1", "--pass=hunter2"]],
    [["a.tar", "r.test/p/a:1", "--dest-creds", "robot:hunter2"]],
    [["a.tar", "r.test/p/a:1", "--dest-creds=robot:hunter2"]],
    [["a.tar", "r.test/p/a:1", "--creds", "robot:hunter2"]],
    [["a.tar", "r.test/p/a:1", "--dest-password", "hunter2"]],
    [["a.tar", "r.test/p/a:1", "--dest-registry-token=hunter2"]],
    // docker login's attached short form, and spellings after `--` (red team of issue 16).
    [["a.tar", "r.test/p/a:1", "-phunter2"]],
    [["a.tar", "r.test/p/a:1", "--", "-phunter2"]],
    [["a.tar", "r.test/p/a:1", "--", "--password=hunter2"]],
    [["--", "-phunter2", "a.tar", "r.test/p/a:1"]],
  ])("refuses a password flag, says why, and never repeats the value: %j", (argv) => {
    const message = reason(argv);
    expect(message).toContain("a password or token on the command line is not accepted");
    expect(message).toContain("/proc/<pid>/cmdline");
    expect(message).toContain("--password-stdin");
    expect(message).not.toContain("hunter2");
  });

  it.each([
    [[], "missing <archive>"],
    [["a.tar"], "missing <destination>"],
    [["a.tar", "r.test/p/a:1", "extra"], 'unexpected argument "extra"'],
    [["a.tar", "r.test/p/a:1", "--nope"], "unknown flag --nope"],
    [["a.tar", "r.test/p/a:1", "--token=s3cret"], "unknown flag --token for skopush push"],
    [["a.tar", "r.test/p/a:1", "--username"], "--username needs a value"],
    [["a.tar", "r.test/p/a:1", "--username", "--json"], "--username needs a value"],
    [["a.tar", "r.test/p/a:1", "--username", "u"], "--username needs --password-stdin"],
    [["a.tar", "r.test/p/a:1", "--password-stdin"], "--password-stdin needs --username"],
    [["a.tar", "r.test/p/a:1", "--json=yes"], "--json takes no value"],
    [["a.tar", "r.test/p/a:1", "--tag", "v1"], "not both"],
    [["a.tar", "--harbor-url", "https://h.test", "--project", "p"], "missing <destination>"],
    [["a.tar", "r.test/p/a:1", "--strategy", "podman"], 'unknown strategy "podman"; the strategies are docker-exec, dockerode, native, registry'],
    [["a.tar", "r.test/p/a:1", "--strategy", "native,native"], "strategy native is listed twice"],
    [["a.tar", "r.test/p/a:1", "--insecure", "--ca-cert", "ca.crt"], "cannot be combined"],
    [["a.tar", "r.test/p/a:1", "--format", "v1"], "--format must be oci or v2s2"],
    [["a.tar", "r.test/p/a:1", "--compression", "xz"], '--compression must be gzip, zstd, none, not "xz"'],
    [["a.tar", "r.test/p/a:1", "--ca-cert", "a", "--ca-cert", "b"], "--ca-cert is given more than once"],
  ])("refuses %j: %s", (argv, expected) => {
    const message = reason(argv);
    expect(message).toContain(expected);
    expect(message).toContain("skopush push --help");
  });

  it("reads skopeo's --authfile and --digestfile, --verbose and its skopeo spelling --debug, and -f", () => {
    expect(parsePushArguments(["a.tar", "r.test/p/a:1", "--authfile", "auth.json", "--digestfile=d.txt", "--debug", "-f", "oci"])).toMatchObject({
      authFile: "auth.json",
      digestFile: "d.txt",
      verbose: true,
      manifestFormat: "oci",
    });
    expect(parsePushArguments(["a.tar", "r.test/p/a:1", "--verbose"])).toMatchObject({ verbose: true });
  });

  // skopeo's, crane's, docker's and curl's flags get skopush's equivalent, never a bare "unknown flag".
  it.each([
    [["--dest-tls-verify=false"], "--dest-tls-verify: skopush verifies TLS by default and turns it off with --insecure"],
    [["--dest-tls-verify", "false"], "turns it off with --insecure"],
    [["--tls-verify=false"], "turns it off with --insecure"],
    [["--dest-tls-verify"], "--dest-tls-verify: skopush verifies TLS by default: drop --dest-tls-verify"],
    [["--dest-tls-verify=true"], "drop --dest-tls-verify"],
    [["--dest-cert-dir", "/etc/certs.d"], "--dest-cert-dir: skopush push has no source registry, so the flag is --cert-dir <dir>"],
    [["--tlscacert", "ca.pem"], "the CA certificate flag of skopush is --ca-cert <file>"],
    [["--cacert=ca.pem"], "--ca-cert <file>"],
    [["--dest-username", "robot"], "-u/--username <user> and the password with --password-stdin"],
    [["--dest-no-creds"], "pushes anonymously when it finds no credentials"],
    [["--retry-times", "5"], "retries transient failures itself"],
    [["--src-tls-verify=false"], "<archive> is the source"],
    [["--all"], "<archive> is the source"],
    [["--override-arch", "arm64"], "--platform os/architecture[/variant]"],
    [["--override-os", "linux"], "--platform os/architecture[/variant]"],
    [["--dest-compress-format", "zstd"], "--compression gzip|zstd|none"],
    [["--remove-signatures"], "does not sign images"],
    [["--name", "skopeo-service"], "--container <name>"],
    [["--strat", "native"], "unknown flag --strat for skopush push; did you mean --strategy?"],
    [["--insecur"], "did you mean --insecure?"],
    [["--ca-certs", "x"], "did you mean --ca-cert?"],
    [["--frobnicate"], "unknown flag --frobnicate for skopush push; its flags are --harbor-url, --project"],
  ])("answers %j with skopush's equivalent", (flags, expected) => {
    const message = reason(["a.tar", "r.test/p/a:1", ...flags]);
    expect(message).toContain(expected);
    expect(message).not.toMatch(/unknown flag [^;]*$/);
  });

  it("never repeats the value of an unknown flag", () => {
    expect(reason(["a.tar", "r.test/p/a:1", "--secret=hunter2"])).not.toContain("hunter2");
  });
});

describe("push --help", () => {
  it("lists the strategies the default chain registers (skopush's STRATEGY_NAMES), not a list of its own", async () => {
    const { pushUsage } = await import("../src/args/usage.js");
    const { STRATEGY_NAMES } = await import("skopush");
    expect(pushUsage(STRATEGY_NAMES)).toContain(`--strategy <a,b>        try only these, in this order: ${STRATEGY_NAMES.join(", ")}\n`);
    expect(pushUsage(["one", "two"])).toContain("try only these, in this order: one, two\n");
  });
});
