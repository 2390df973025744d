import { Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { AuthenticationFailed, EnvironmentFault } from "@skopush/core";
import { FAKE_DIGEST, FakePushStrategy } from "@skopush/testkit";
import { createDefaultContainer, SkopeoPusher, skopeoPushToHarbor, type StrategyName } from "skopush";
import { fakeCatalog } from "./support.js";

const target = {
  tarFile: "/images/app.tar",
  harborUrl: "https://harbor.example.com",
  username: "admin",
  password: "pa:ss$word",
  project: "my-project",
  repository: "my-repo",
  tag: "latest",
} as const;

/** A default container whose four strategies are the given fakes (succeeding ones for the rest). */
const containerWith = (fakes: Partial<Record<StrategyName, FakePushStrategy>>) =>
  createDefaultContainer({ catalog: fakeCatalog(fakes).catalog, env: {}, credentialsProviders: false });

describe("skopeoPushToHarbor (the seed API)", () => {
  it("pushes with docker first: method docker, and native is never tried", async () => {
    const native = FakePushStrategy.succeeding("native");
    const result = await skopeoPushToHarbor({ ...target, container: containerWith({ native }) });
    expect(result).toMatchObject({
      status: "success",
      image: "harbor.example.com/my-project/my-repo:latest",
      method: "docker",
      strategy: "docker-exec",
      digest: FAKE_DIGEST,
    });
    expect(result.message).toContain("pushed harbor.example.com/my-project/my-repo:latest with docker (docker-exec)");
    expect(native.probes).toBe(0);
  });

  it("maps dockerode to method docker too", async () => {
    const result = await skopeoPushToHarbor({
      ...target,
      container: containerWith({ "docker-exec": FakePushStrategy.unavailable("docker-exec", "no docker CLI on PATH") }),
    });
    expect(result).toMatchObject({ status: "success", method: "docker", strategy: "dockerode" });
  });

  it("falls back to native when docker cannot run here", async () => {
    const result = await skopeoPushToHarbor({
      ...target,
      container: containerWith({
        "docker-exec": FakePushStrategy.unavailable("docker-exec", "container skopeo-service is not running"),
        dockerode: FakePushStrategy.unavailable("dockerode", "container skopeo-service is not running"),
      }),
    });
    expect(result).toMatchObject({ status: "success", method: "native", strategy: "native" });
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      ["docker-exec", "unavailable"],
      ["dockerode", "unavailable"],
      ["native", "success"],
    ]);
  });

  it("falls back to native when docker breaks under the push", async () => {
    const result = await skopeoPushToHarbor({
      ...target,
      container: containerWith({
        "docker-exec": FakePushStrategy.failing("docker-exec", new EnvironmentFault({ strategy: "docker-exec", reason: "the container stopped" })),
        dockerode: FakePushStrategy.unavailable("dockerode"),
      }),
    });
    expect(result).toMatchObject({ status: "success", method: "native" });
  });

  it("returns an error listing why each method failed when neither can push, without trying the registry client", async () => {
    const registry = FakePushStrategy.succeeding("registry");
    const result = await skopeoPushToHarbor({
      ...target,
      container: containerWith({
        "docker-exec": FakePushStrategy.unavailable("docker-exec", "container skopeo-service does not exist"),
        dockerode: FakePushStrategy.unavailable("dockerode", "no Docker daemon at /var/run/docker.sock"),
        native: FakePushStrategy.unavailable("native", "skopeo is not on PATH"),
        registry,
      }),
    });
    expect(result.status).toBe("error");
    expect(result.error).toBe("NoStrategyAvailable");
    expect(result.method).toBeUndefined();
    expect(result.digest).toBeUndefined();
    expect(result.message).toContain("docker-exec: unavailable: container skopeo-service does not exist");
    expect(result.message).toContain("dockerode: unavailable: no Docker daemon at /var/run/docker.sock");
    expect(result.message).toContain("native: unavailable: skopeo is not on PATH");
    expect(result.image).toBe("harbor.example.com/my-project/my-repo:latest");
    expect(registry.probes).toBe(0);
  });

  it("tries the registry client last with registryFallback", async () => {
    const result = await skopeoPushToHarbor({
      ...target,
      registryFallback: true,
      container: containerWith({
        "docker-exec": FakePushStrategy.unavailable("docker-exec"),
        dockerode: FakePushStrategy.unavailable("dockerode"),
        native: FakePushStrategy.unavailable("native"),
      }),
    });
    expect(result).toMatchObject({ status: "success", method: "registry", strategy: "registry" });
  });

  it("uses native only with preferDocker: false", async () => {
    const dockerExec = FakePushStrategy.succeeding("docker-exec");
    const result = await skopeoPushToHarbor({ ...target, preferDocker: false, container: containerWith({ "docker-exec": dockerExec }) });
    expect(result).toMatchObject({ status: "success", method: "native" });
    expect(dockerExec.probes).toBe(0);
  });

  it("stops at a wrong password instead of trying native with it", async () => {
    const native = FakePushStrategy.succeeding("native");
    const result = await skopeoPushToHarbor({
      ...target,
      container: containerWith({
        "docker-exec": FakePushStrategy.failing(
          "docker-exec",
          new AuthenticationFailed({ registry: "harbor.example.com", username: "admin", reason: "unauthorized" }),
        ),
        native,
      }),
    });
    expect(result).toMatchObject({ status: "error", error: "AuthenticationFailed" });
    expect(native.probes).toBe(0);
  });

  it("hands the strategy the credentials, the destination and verified TLS", async () => {
    const dockerExec = FakePushStrategy.succeeding("docker-exec");
    await skopeoPushToHarbor({ ...target, container: containerWith({ "docker-exec": dockerExec }) });
    const request = dockerExec.pushes[0];
    expect(request?.destination.toString()).toBe("harbor.example.com/my-project/my-repo:latest");
    expect(request?.archive.path).toBe("/images/app.tar");
    expect(request?.credentials?.username).toBe("admin");
    expect(Redacted.value(request!.credentials!.password)).toBe("pa:ss$word");
    expect(request?.tls).toEqual({ verify: true, caFile: undefined });
  });

  it("does not verify TLS for an http:// Harbor URL, or when told not to", async () => {
    const dockerExec = FakePushStrategy.succeeding("docker-exec");
    const container = containerWith({ "docker-exec": dockerExec });
    await skopeoPushToHarbor({ ...target, harborUrl: "http://10.0.0.5:8080", container });
    await skopeoPushToHarbor({ ...target, tlsVerify: false, container });
    expect(dockerExec.pushes.map((r) => [r.destination.registry, r.tls.verify])).toEqual([
      ["10.0.0.5:8080", false],
      ["harbor.example.com", false],
    ]);
  });

  it("reports progress as (percent, message) with percents that never go down", async () => {
    const calls: Array<[number, string]> = [];
    await skopeoPushToHarbor({
      ...target,
      progressCallback: (percent, message) => calls.push([percent, message]),
      container: containerWith({ "docker-exec": new FakePushStrategy("docker-exec", { kind: "succeed", percents: [20, 10, 70] }) }),
    });
    const percents = calls.map(([percent]) => percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(calls.some(([, message]) => message.includes("fake docker-exec"))).toBe(true);
  });

  it("resolves an error (never rejects) for an invalid project, before any strategy runs", async () => {
    const dockerExec = FakePushStrategy.succeeding("docker-exec");
    const result = await skopeoPushToHarbor({ ...target, project: "My Project", container: containerWith({ "docker-exec": dockerExec }) });
    expect(result).toMatchObject({ status: "error", error: "InvalidReference", image: "harbor.example.com/My Project/my-repo:latest" });
    expect(result.message).toContain("project");
    expect(dockerExec.probes).toBe(0);
  });

  it("refuses half a credential pair", async () => {
    const result = await skopeoPushToHarbor({ ...target, password: undefined, container: containerWith({}) });
    expect(result).toMatchObject({ status: "error", error: "CredentialsError" });
  });

  it("never puts the password in the result", async () => {
    const result = await skopeoPushToHarbor({
      ...target,
      container: containerWith({
        "docker-exec": FakePushStrategy.failing(
          "docker-exec",
          new AuthenticationFailed({ registry: "harbor.example.com", username: "admin", reason: "unauthorized" }),
        ),
      }),
    });
    expect(JSON.stringify(result)).not.toContain(target.password);
  });
});

describe("SkopeoPusher (the seed class)", () => {
  it("checks its own method only: docker", async () => {
    const container = containerWith({
      "docker-exec": FakePushStrategy.unavailable("docker-exec"),
      dockerode: FakePushStrategy.unavailable("dockerode"),
    });
    expect(await new SkopeoPusher({ container }).checkSkopeoAvailable()).toBe(false);
    expect(await new SkopeoPusher({ container, useDocker: false }).checkSkopeoAvailable()).toBe(true);
  });

  it("pushes with its method and never falls back to the other", async () => {
    const native = FakePushStrategy.succeeding("native");
    const container = containerWith({
      "docker-exec": FakePushStrategy.unavailable("docker-exec", "container skopeo-service is not running"),
      dockerode: FakePushStrategy.unavailable("dockerode", "container skopeo-service is not running"),
      native,
    });
    const result = await new SkopeoPusher({ container }).pushFromTar(target);
    expect(result).toMatchObject({ status: "error", error: "NoStrategyAvailable" });
    expect(native.probes).toBe(0);
    const nativeResult = await new SkopeoPusher({ container, useDocker: false }).pushFromTar(target);
    expect(nativeResult).toMatchObject({ status: "success", method: "native" });
  });

  it("defaults to docker and the seed's container name", () => {
    const pusher = new SkopeoPusher({ container: containerWith({}) });
    expect([pusher.useDocker, pusher.containerName]).toEqual([true, "skopeo-service"]);
  });
});
