import { describe, expect, it, vi } from "vitest";

const source = vi.hoisted(() => ({ current: "@bokuweb/zstd-wasm" as "@bokuweb/zstd-wasm" | "node:zlib" }));
vi.mock("../src/layers/zstd-codec.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../src/layers/zstd-codec.js")>()),
  zstdSource: () => source.current,
}));

const { layerFormOf } = await import("../src/blob-pusher.js");
type Context = Parameters<typeof layerFormOf>[0];
type Blob = Parameters<typeof layerFormOf>[1];

const ctx = { compression: { level: 1, zstdLevel: 3 } } as unknown as Context;
const blob = (codec: "gzip" | "zstd"): Blob =>
  ({ layer: { diffId: "sha256:aa", size: 10 }, positions: [0], mode: "compress", mediaType: "x", digest: undefined, codec }) as unknown as Blob;

describe("layerFormOf (the resume journal's and in-flight map's key of a layer's bytes)", () => {
  it("differs between zstd builds (WebAssembly on Node < 22.15, Node's zlib after): a session of one is never continued by the other", () => {
    source.current = "@bokuweb/zstd-wasm";
    const wasm = layerFormOf(ctx, blob("zstd"));
    source.current = "node:zlib";
    const node = layerFormOf(ctx, blob("zstd"));
    expect(wasm).not.toBe(node);
    expect(node).toContain("node:zlib");
  });

  it("is the same for gzip whatever the runtime (its bytes do not depend on the zstd build)", () => {
    source.current = "@bokuweb/zstd-wasm";
    const before = layerFormOf(ctx, blob("gzip"));
    source.current = "node:zlib";
    expect(layerFormOf(ctx, blob("gzip"))).toBe(before);
  });
});
