import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { DEFAULT_INHERITED_ENV, NATIVE_PROBE_CACHE_TTL, resolveNativeSkopeoOptions, skopeoEnvironment } from "../src/index.js";

describe("native options", () => {
  it("has a default for everything", () => {
    expect(resolveNativeSkopeoOptions()).toEqual({
      name: "native",
      skopeoPath: "skopeo",
      env: process.env,
      extraEnv: {},
      inheritedEnv: DEFAULT_INHERITED_ENV,
      tempDirectory: tmpdir(),
      probeCacheTtl: { availableMs: 30_000, unavailableMs: 30_000 },
      probeTimeoutMs: 5_000,
      stopGraceMs: 2_000,
      progressIntervalMs: 250,
    });
    expect(NATIVE_PROBE_CACHE_TTL).toEqual({ availableMs: 30_000, unavailableMs: 30_000 });
    expect(resolveNativeSkopeoOptions({ skopeoPath: "/opt/skopeo", name: "native-2" })).toMatchObject({ skopeoPath: "/opt/skopeo", name: "native-2" });
  });

  it("still honours the former names probeCacheTtlMs and killGraceMs, the new names winning", () => {
    expect(resolveNativeSkopeoOptions({ probeCacheTtlMs: 0, killGraceMs: 100 })).toMatchObject({
      probeCacheTtl: { availableMs: 0, unavailableMs: 0 },
      stopGraceMs: 100,
    });
    expect(resolveNativeSkopeoOptions({ probeCacheTtlMs: 0, probeCacheTtl: { availableMs: 1, unavailableMs: 2 }, killGraceMs: 100, stopGraceMs: 300 })).toMatchObject({
      probeCacheTtl: { availableMs: 1, unavailableMs: 2 },
      stopGraceMs: 300,
    });
  });

  it("gives skopeo only the allowlisted variables of env, then extraEnv, then the call's", () => {
    const env = skopeoEnvironment(
      {
        inheritedEnv: DEFAULT_INHERITED_ENV,
        env: { PATH: "/usr/bin", HOME: "/home/u", SKOPUSH_PASSWORD: "s3cret", AWS_SECRET_ACCESS_KEY: "k", HTTPS_PROXY: "http://old:1" },
        extraEnv: { HTTPS_PROXY: "http://proxy:3128", EXTRA: "1" },
      },
      { TMPDIR: "/tmp/ws/tmp" },
    );
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/u", HTTPS_PROXY: "http://proxy:3128", EXTRA: "1", TMPDIR: "/tmp/ws/tmp" });
  });
});
