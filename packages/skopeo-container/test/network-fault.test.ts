import { describe, expect, it } from "vitest";
import { RegistryUnreachable, TlsVerificationFailed } from "@skopush/core";
import { isLoopbackRegistry, reclassifyForContainerNetwork } from "../src/index.js";

describe("isLoopbackRegistry", () => {
  it.each(["127.0.0.1:5000", "127.1.2.3", "localhost:5000", "LOCALHOST", "registry.localhost:443", "[::1]:5000"])("%s is loopback", (r) =>
    expect(isLoopbackRegistry(r)).toBe(true),
  );
  it.each(["harbor.example.com", "10.0.0.5:5000", "192.168.1.1", "[fe80::1]:5000", "localhost.example.com"])("%s is not", (r) =>
    expect(isLoopbackRegistry(r)).toBe(false),
  );
});

describe("reclassifyForContainerNetwork", () => {
  const unreachable = new RegistryUnreachable({ registry: "127.0.0.1:5000", reason: "connection refused" });

  it("turns a connection failure to a loopback registry from a bridged container into an EnvironmentFault", () => {
    const error = reclassifyForContainerNetwork(unreachable, { name: "skopeo-service", networkMode: "bridge" }, "docker-exec", "127.0.0.1:5000");
    expect(error._tag).toBe("EnvironmentFault");
    expect(error.message).toContain('container skopeo-service is on the "bridge" network');
    expect(error.message).toContain("--network host");
  });

  it("leaves it alone on the host network, for non-loopback registries and for other errors", () => {
    expect(reclassifyForContainerNetwork(unreachable, { name: "c", networkMode: "host" }, "docker-exec", "127.0.0.1:5000")).toBe(unreachable);
    const remote = new RegistryUnreachable({ registry: "harbor.example.com", reason: "no route" });
    expect(reclassifyForContainerNetwork(remote, { name: "c", networkMode: "bridge" }, "docker-exec", "harbor.example.com")).toBe(remote);
    const tls = new TlsVerificationFailed({ registry: "127.0.0.1:5000", reason: "unknown authority" });
    expect(reclassifyForContainerNetwork(tls, { name: "c", networkMode: "bridge" }, "docker-exec", "127.0.0.1:5000")).toBe(tls);
  });
});
