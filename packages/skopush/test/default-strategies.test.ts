import { resolveFallbackChain } from "@skopush/core";
import type { DockerExecPushStrategy } from "@skopush/strategy-docker-exec";
import type { NativeSkopeoStrategy } from "@skopush/strategy-native";
import type { RegistryPushStrategy } from "@skopush/strategy-registry";
import { describe, expect, it } from "vitest";
import { createDefaultContainer, DEFAULT_STRATEGIES, STRATEGY_NAMES } from "skopush";

describe("DEFAULT_STRATEGIES, the one list a default strategy is added to", () => {
  it("gives the names, in the default order", () => {
    expect(STRATEGY_NAMES).toEqual(DEFAULT_STRATEGIES.map((d) => d.name));
    expect(STRATEGY_NAMES).toEqual(["docker-exec", "dockerode", "native", "registry"]);
  });

  it("is what the real catalog registers, each strategy reading the container's environment and its options", () => {
    const env = { PATH: "/opt/bin", SKOPEO_SHARED_DIR: "/srv/shared", XDG_CACHE_HOME: "/srv/cache" };
    const c = createDefaultContainer({ env, strategies: { native: { name: "native-opt", skopeoPath: "/opt/skopeo" } }, credentialsProviders: false });
    const strategies = resolveFallbackChain(c).strategies;
    expect(strategies.map((s) => s.name)).toEqual(["docker-exec", "dockerode", "native-opt", "registry"]);
    expect((strategies[0] as DockerExecPushStrategy).target.shared.hostPath).toBe("/srv/shared");
    expect((strategies[2] as NativeSkopeoStrategy).options).toMatchObject({ env, skopeoPath: "/opt/skopeo" });
    expect((strategies[3] as RegistryPushStrategy).options.blobInfoCacheDir).toBe("/srv/cache/skopush");
  });
});
