import { describe, expect, it } from "vitest";
import {
  AccessDenied,
  ArchiveInvalid,
  AuthenticationFailed,
  CommandFailed,
  CredentialsError,
  DEFAULT_FALLBACK_DECISIONS,
  defaultFallbackPolicy,
  EnvironmentFault,
  InvalidReference,
  isPushError,
  ManifestRejected,
  NoStrategyAvailable,
  ProjectNotFound,
  PUSH_ERROR_TABLE,
  PUSH_ERROR_TAGS,
  PushCancelled,
  QuotaExceeded,
  RegistryError,
  RegistryUnreachable,
  StrategyFailed,
  StrategyUnavailable,
  Timeout,
  NotARegistry,
  TlsVerificationFailed,
  type PushError,
} from "@skopush/core";

/** One instance of every push error class. */
const samples: ReadonlyArray<PushError> = [
  new StrategyUnavailable({ strategy: "native", reason: "no skopeo", fix: "install it" }),
  new EnvironmentFault({ strategy: "docker-exec", reason: "daemon gone" }),
  new CommandFailed({ strategy: "native", command: "skopeo copy", exitCode: 1, stderr: "boom" }),
  new StrategyFailed({ strategy: "registry", reason: "bug" }),
  new InvalidReference({ input: "Bad", part: "repository", reason: "must be lowercase" }),
  new ArchiveInvalid({ path: "/a.tar", reason: "missing" }),
  new AuthenticationFailed({ registry: "r", username: "u", reason: "wrong password" }),
  new AccessDenied({ registry: "r", repository: "p/a", reason: "no push" }),
  new ProjectNotFound({ registry: "r", project: "p" }),
  new QuotaExceeded({ registry: "r", detail: "full" }),
  new TlsVerificationFailed({ registry: "r", reason: "self signed" }),
  new RegistryUnreachable({ registry: "r", reason: "ECONNREFUSED" }),
  new ManifestRejected({ registry: "r", reference: "p/a:1", reason: "invalid" }),
  new RegistryError({ registry: "r", status: 503, reason: "down" }),
  new Timeout({ operation: "push", afterMs: 5 }),
  new NotARegistry({ registry: "r", answer: "200 text/html" }),
  new PushCancelled({ reason: "SIGINT" }),
  new CredentialsError({ source: "config.json", reason: "malformed" }),
  new NoStrategyAvailable({ attempts: [] }),
];

describe("the error table", () => {
  it("has exactly one entry per error class", () => {
    expect([...PUSH_ERROR_TAGS].sort()).toEqual(samples.map((e) => e._tag).sort());
    for (const error of samples) expect(isPushError(error), error._tag).toBe(true);
    expect(isPushError({ _tag: "PushFailed" })).toBe(false);
    expect(isPushError({ _tag: "toString" })).toBe(false);
  });

  it("decides every error's retryability", () => {
    for (const error of samples) {
      const spec = PUSH_ERROR_TABLE[error._tag].retryable;
      expect(error.isRetryable, error._tag).toBe(typeof spec === "function" ? (spec as (e: PushError) => boolean)(error) : spec);
    }
    expect(samples.filter((e) => e.isRetryable).map((e) => e._tag).sort()).toEqual(["RegistryError", "RegistryUnreachable", "Timeout"]);
    expect(new RegistryError({ registry: "r", status: 500, reason: "x" }).isRetryable).toBe(false);
    expect(new RegistryError({ registry: "r", reason: "x" }).isRetryable).toBe(false);
  });

  it("is where the default fallback policy comes from", () => {
    for (const error of samples) {
      expect(defaultFallbackPolicy.decide(error), error._tag).toBe(PUSH_ERROR_TABLE[error._tag].fallThrough);
      expect(DEFAULT_FALLBACK_DECISIONS[error._tag]).toBe(PUSH_ERROR_TABLE[error._tag].fallThrough);
    }
    const next = samples.filter((e) => defaultFallbackPolicy.decide(e) === "next").map((e) => e._tag);
    expect(next.sort()).toEqual(["CommandFailed", "EnvironmentFault", "StrategyFailed", "StrategyUnavailable"]);
  });

  it("gives input errors exit code 2 and a cancelled push 130", () => {
    const byCode = (code: number) => PUSH_ERROR_TAGS.filter((tag) => PUSH_ERROR_TABLE[tag].exitCode === code).sort();
    expect(byCode(2)).toEqual(["ArchiveInvalid", "InvalidReference"]);
    expect(byCode(130)).toEqual(["PushCancelled"]);
  });
});

describe("error messages", () => {
  it("are the detail behind one prefix, naming the strategy where the error has one", () => {
    for (const error of samples) {
      const strategy = "strategy" in error ? `[${error.strategy}] ` : "";
      expect(error.message, error._tag).toBe(`[skopush] ${strategy}${error.summary}`);
      expect(error.summary, error._tag).not.toMatch(/\[skopush\]/);
    }
    expect(samples[0]?.message).toBe("[skopush] [native] unavailable: no skopeo. Fix: install it");
    expect(new NoStrategyAvailable({ attempts: [] }).message).toBe("[skopush] no push strategy is configured");
  });
});
