import "reflect-metadata";
import { Effect, Exit } from "effect";
import { container } from "tsyringe";
import { describe, expect, it } from "vitest";
import { PUSH_STRATEGY, resolveFallbackChain, type PushStrategy } from "@skopush/core";
import { registerRegistryPushStrategy, RegistryPushStrategy, resolveRegistryPushOptions } from "@skopush/strategy-registry";

describe("RegistryPushStrategy without and with DI", () => {
  it("works with new and no options, named registry, with documented defaults", async () => {
    const strategy = new RegistryPushStrategy();
    expect(strategy.name).toBe("registry");
    expect(strategy.options).toMatchObject({ concurrency: 4, chunkSizeBytes: 1 << 20, compressionLevel: 1, chunkedUploads: false, reuseRemoteLayers: "verify" });
    expect(Exit.isSuccess(await Effect.runPromiseExit(strategy.probe()))).toBe(true);
  });

  it("registers in one call, with options through the options token", () => {
    const child = container.createChildContainer();
    registerRegistryPushStrategy(child, { concurrency: 2, mountFrom: ["base/node"] });
    const [strategy] = child.resolveAll<PushStrategy>(PUSH_STRATEGY);
    expect(strategy).toBeInstanceOf(RegistryPushStrategy);
    expect((strategy as RegistryPushStrategy).options).toMatchObject({ concurrency: 2, mountFrom: ["base/node"] });
    expect(resolveFallbackChain(child).strategies.map((s) => s.name)).toEqual(["registry"]);
  });

  it("refuses invalid options with a RangeError naming the option", () => {
    expect(() => resolveRegistryPushOptions({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => resolveRegistryPushOptions({ compressionLevel: 10 })).toThrow(/compressionLevel/);
    expect(() => resolveRegistryPushOptions({ chunkSizeBytes: 1.5 })).toThrow(/chunkSizeBytes/);
  });
});
