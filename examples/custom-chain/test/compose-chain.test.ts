import { describe, expect, it } from "vitest";
import { resolveFallbackChain } from "@skopush/core";
import { DockerExecPushStrategy } from "@skopush/strategy-docker-exec";
import { NativeSkopeoStrategy } from "@skopush/strategy-native";
import { RegistryPushStrategy } from "@skopush/strategy-registry";
import { AuditedNativeSkopeoStrategy, composeChain, type AuditEntry } from "../src/index.js";

describe("a custom chain composed with tsyringe", () => {
  it("is reordered: audited native, registry, docker-exec; dockerode left out", () => {
    const chain = resolveFallbackChain(composeChain({ audit: { record: () => {} } }));
    expect(chain.strategies.map((s) => s.name)).toEqual(["native", "registry", "docker-exec"]);
    expect(chain.strategies[0]).toBeInstanceOf(AuditedNativeSkopeoStrategy);
    expect(chain.strategies[0]).toBeInstanceOf(NativeSkopeoStrategy);
    expect(chain.strategies[1]).toBeInstanceOf(RegistryPushStrategy);
    expect(chain.strategies[2]).toBeInstanceOf(DockerExecPushStrategy);
  });

  it("hands the subclass its options and the audit log through the container", () => {
    const entries: AuditEntry[] = [];
    const chain = resolveFallbackChain(composeChain({ audit: { record: (e) => void entries.push(e) }, native: { skopeoPath: "/opt/skopeo/bin/skopeo" } }));
    expect((chain.strategies[0] as AuditedNativeSkopeoStrategy).options.skopeoPath).toBe("/opt/skopeo/bin/skopeo");
  });

  it("builds one chain per container: two compositions share nothing", () => {
    const first = resolveFallbackChain(composeChain({ audit: { record: () => {} } }));
    const second = resolveFallbackChain(composeChain({ audit: { record: () => {} } }));
    expect(first.strategies[0]).not.toBe(second.strategies[0]);
  });
});
