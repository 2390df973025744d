import { describe, expect, it } from "vitest";
import { defaultRetrySettings, ImageReference, type PushRequest } from "@skopush/core";
import { skopeoCompressionPlan, skopeoSupports } from "../src/index.js";

const request = (overrides: Partial<PushRequest> = {}): PushRequest => ({
  archive: { path: "/work/image.tar" },
  destination: ImageReference.parseOrThrow("registry.test/proj/app:v1"),
  tls: { verify: true },
  retry: defaultRetrySettings,
  ...overrides,
});

describe("skopeoSupports", () => {
  it("takes gzip, zstd and no choice; refuses none with the reason and a fix", () => {
    expect(skopeoSupports(request())).toBe(true);
    expect(skopeoSupports(request({ compression: "gzip" }))).toBe(true);
    expect(skopeoSupports(request({ compression: "zstd" }))).toBe(true);
    expect(skopeoSupports(request({ compression: "none" }))).toMatchObject({
      supported: false,
      reason: expect.stringContaining("cannot push uncompressed layers"),
      fix: expect.stringContaining("registry strategy"),
    });
  });
});

describe("skopeoCompressionPlan", () => {
  it("leaves gzip to skopeo's default and the request's format", () => {
    expect(skopeoCompressionPlan("native", request())).toEqual({ compression: "gzip", compressFormat: undefined, manifestFormat: undefined });
    expect(skopeoCompressionPlan("native", request({ compression: "gzip", manifestFormat: "v2s2" }))).toEqual({
      compression: "gzip",
      compressFormat: undefined,
      manifestFormat: "v2s2",
    });
  });

  it("makes zstd an OCI push with --dest-compress-format zstd", () => {
    expect(skopeoCompressionPlan("native", request({ compression: "zstd" }))).toEqual({ compression: "zstd", compressFormat: "zstd", manifestFormat: "oci" });
  });

  it("refuses zstd with a Docker schema 2 manifest (StrategyFailed) and none (StrategyUnavailable)", () => {
    expect(skopeoCompressionPlan("native", request({ compression: "zstd", manifestFormat: "v2s2" }))).toMatchObject({
      _tag: "StrategyFailed",
      reason: expect.stringContaining("OCI manifest"),
    });
    expect(skopeoCompressionPlan("dockerode", request({ compression: "none" }))).toMatchObject({ _tag: "StrategyUnavailable", strategy: "dockerode" });
  });
});
