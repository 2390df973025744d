import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { DEFAULT_INHERITED_ENV, resolveNativeSkopeoOptions, skopeoEnvironment } from "../src/index.js";

describe("native options", () => {
  it("has a default for everything", () => {
    expect(resolveNativeSkopeoOptions()).toEqual({
      skopeoPath: "skopeo",
      env: {},
      inheritedEnv: DEFAULT_INHERITED_ENV,
      tempDirectory: tmpdir(),
      probeCacheTtlMs: 30_000,
      probeTimeoutMs: 5_000,
      killGraceMs: 2_000,
      progressIntervalMs: 250,
    });
    expect(resolveNativeSkopeoOptions({ skopeoPath: "/opt/skopeo", probeCacheTtlMs: 0 })).toMatchObject({ skopeoPath: "/opt/skopeo", probeCacheTtlMs: 0 });
  });

  it("gives skopeo only the allowlisted variables, then the configured ones, then the call's", () => {
    const env = skopeoEnvironment(
      { inheritedEnv: DEFAULT_INHERITED_ENV, env: { HTTPS_PROXY: "http://proxy:3128", EXTRA: "1" } },
      { PATH: "/usr/bin", HOME: "/home/u", SKOPUSH_PASSWORD: "s3cret", AWS_SECRET_ACCESS_KEY: "k", HTTPS_PROXY: "http://old:1" },
      { TMPDIR: "/tmp/ws/tmp" },
    );
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/u", HTTPS_PROXY: "http://proxy:3128", EXTRA: "1", TMPDIR: "/tmp/ws/tmp" });
  });
});
