import "reflect-metadata";
import { container as root } from "tsyringe";
import { describe, expect, it } from "vitest";
import { resolveFallbackChain } from "@skopush/core";
import { NATIVE_SKOPEO_OPTIONS, NativeSkopeoStrategy, registerNativeSkopeoStrategy } from "../src/index.js";

describe("NativeSkopeoStrategy without and with DI", () => {
  it("works with new and no options", () => {
    const strategy = new NativeSkopeoStrategy();
    expect(strategy.name).toBe("native");
    expect(strategy.options.skopeoPath).toBe("skopeo");
  });

  it("resolves from a container, with or without registered options", () => {
    expect(root.createChildContainer().resolve(NativeSkopeoStrategy).options.skopeoPath).toBe("skopeo");
    const child = root.createChildContainer();
    child.register(NATIVE_SKOPEO_OPTIONS, { useValue: { skopeoPath: "/opt/skopeo" } });
    expect(child.resolve(NativeSkopeoStrategy).options.skopeoPath).toBe("/opt/skopeo");
  });

  it("registers into the chain in one call", () => {
    const child = root.createChildContainer();
    registerNativeSkopeoStrategy(child, { skopeoPath: "/opt/skopeo", probeCacheTtl: { availableMs: 1_000, unavailableMs: 500 } });
    const chain = resolveFallbackChain(child);
    expect(chain.strategies.map((s) => s.name)).toEqual(["native"]);
    expect((chain.strategies[0] as NativeSkopeoStrategy).options).toMatchObject({ skopeoPath: "/opt/skopeo", probeCacheTtl: { availableMs: 1_000, unavailableMs: 500 } });
  });

  it("registers two natives with two skopeo paths and two names in one container", () => {
    const child = root.createChildContainer();
    registerNativeSkopeoStrategy(child, { name: "native-a", skopeoPath: "/opt/a/skopeo" });
    registerNativeSkopeoStrategy(child, { name: "native-b", skopeoPath: "/opt/b/skopeo" });
    const strategies = resolveFallbackChain(child).strategies as ReadonlyArray<NativeSkopeoStrategy>;
    expect(strategies.map((s) => [s.name, s.options.skopeoPath])).toEqual([
      ["native-a", "/opt/a/skopeo"],
      ["native-b", "/opt/b/skopeo"],
    ]);
  });
});
