import { container as rootContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { resolveFallbackChain } from "@skopush/core";
import { DockerExecPushStrategy, registerDockerExecStrategy } from "../src/index.js";

describe("DockerExecPushStrategy options and registration", () => {
  it("defaults to the seed's container and shared directory", () => {
    const strategy = new DockerExecPushStrategy({ env: {} });
    expect(strategy.name).toBe("docker-exec");
    expect(strategy.target.container).toBe("skopeo-service");
    expect(strategy.target.shared).toEqual({ hostPath: "/tmp/geoml-skopeo", containerPath: "/tmp/skopeo" });
    expect(strategy.target.createCommand).toBe(
      "docker run -d --name skopeo-service --restart unless-stopped --network host -v /tmp/geoml-skopeo:/tmp/skopeo quay.io/skopeo/stable tail -f /dev/null",
    );
  });

  it("reads SKOPEO_SHARED_DIR from the injected environment", () => {
    expect(new DockerExecPushStrategy({ env: { SKOPEO_SHARED_DIR: "/srv/skopeo" } }).target.shared.hostPath).toBe("/srv/skopeo");
  });

  it("registers in a container's chain with its options", () => {
    const child = rootContainer.createChildContainer();
    registerDockerExecStrategy(child, { containerName: "from-di", env: {} });
    const [strategy] = resolveFallbackChain(child).strategies;
    expect(strategy).toBeInstanceOf(DockerExecPushStrategy);
    expect((strategy as DockerExecPushStrategy).target.container).toBe("from-di");
  });

  it("registers without options", () => {
    const child = rootContainer.createChildContainer();
    registerDockerExecStrategy(child);
    expect(resolveFallbackChain(child).strategies.map((s) => s.name)).toEqual(["docker-exec"]);
  });

  it("registers twice in one container with two names and two resident containers", () => {
    const child = rootContainer.createChildContainer();
    registerDockerExecStrategy(child, { name: "exec-a", containerName: "skopeo-a", env: {} });
    registerDockerExecStrategy(child, { name: "exec-b", containerName: "skopeo-b", env: {} });
    const strategies = resolveFallbackChain(child).strategies as ReadonlyArray<DockerExecPushStrategy>;
    expect(strategies.map((s) => [s.name, s.target.container, s.target.strategy])).toEqual([
      ["exec-a", "skopeo-a", "exec-a"],
      ["exec-b", "skopeo-b", "exec-b"],
    ]);
  });
});
