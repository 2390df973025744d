import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { container as rootContainer } from "tsyringe";
import { resolveFallbackChain } from "@skopush/core";
import { DockerodePushStrategy, registerDockerodeStrategy } from "../src/index.js";
import { FakeDockerClient } from "./fake-docker-client.js";

const failure = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? (Cause.squash(exit.cause) as Error) : undefined);

describe("DockerodePushStrategy.probe (with a fake daemon)", () => {
  let shared: string;
  let docker: FakeDockerClient;
  beforeEach(() => {
    shared = mkdtempSync(join(tmpdir(), "skopush-probe-unit-"));
    docker = new FakeDockerClient();
    docker.images.add("img");
  });
  afterEach(() => rmSync(shared, { recursive: true, force: true }));

  const strategy = (options: ConstructorParameters<typeof DockerodePushStrategy>[0] = {}) =>
    new DockerodePushStrategy({ docker, containerName: "c", image: "img", sharedDir: { hostPath: shared }, ...options });
  const probe = (s: DockerodePushStrategy) => Effect.runPromiseExit(s.probe());

  it("a dead daemon: unavailable, with the endpoint and how to start Docker", async () => {
    docker.down = true;
    const error = failure(await probe(strategy()));
    expect(error?.message).toContain("the Docker daemon at unix:///fake.sock does not answer");
    expect(error?.message).toContain("Fix: start Docker");
  });

  it("a missing container: unavailable with the docker run line, unless autoCreate creates it", async () => {
    expect(failure(await probe(strategy()))?.message).toContain("container c does not exist. Fix: create it: docker run -d --name c");
    expect(Exit.isSuccess(await probe(strategy({ autoCreate: true })))).toBe(true);
    expect(docker.containers.get("c")?.status).toBe("running");
  });

  it("a stopped container: unavailable naming docker start, unless autoStart starts it", async () => {
    docker.containers.set("c", { spec: { name: "c", image: "img", command: [], binds: [`${shared}:/tmp/skopeo`], networkMode: "host", restartPolicy: "no", labels: {} }, status: "exited" });
    expect(failure(await probe(strategy()))?.message).toContain("Fix: docker start c (or set autoStart)");
    expect(docker.containers.get("c")?.status).toBe("exited");
    expect(Exit.isSuccess(await probe(strategy({ autoStart: true })))).toBe(true);
    expect(docker.containers.get("c")?.status).toBe("running");
  });

  it("without the mount: upload by default, unavailable when the shared directory is required", async () => {
    docker.containers.set("c", { spec: { name: "c", image: "img", command: [], binds: [], networkMode: "host", restartPolicy: "no", labels: {} }, status: "running" });
    expect(Exit.isSuccess(await probe(strategy()))).toBe(true);
    expect(failure(await probe(strategy({ transfer: "shared-directory" })))?.message).toContain("does not mount the shared directory at /tmp/skopeo");
  });

  it("a mount that does not show the host's files: falls back to upload, or says why when sharing is required", async () => {
    docker.containers.set("c", { spec: { name: "c", image: "img", command: [], binds: [`${shared}:/tmp/skopeo`], networkMode: "host", restartPolicy: "no", labels: {} }, status: "running" });
    docker.execAnswer = (command) => (command.includes("skopush-probe") && command.some((a) => a.includes(".skopush-probe-")) ? { exitCode: 3 } : { exitCode: 0 });
    expect(Exit.isSuccess(await probe(strategy()))).toBe(true);
    expect(failure(await probe(strategy({ transfer: "shared-directory" })))?.message).toContain("does not see the files written to");
  });

  it("no skopeo in the container: unavailable, naming the image to use", async () => {
    docker.containers.set("c", { spec: { name: "c", image: "img", command: [], binds: [`${shared}:/tmp/skopeo`], networkMode: "host", restartPolicy: "no", labels: {} }, status: "running" });
    docker.execAnswer = () => ({ exitCode: 127 });
    expect(failure(await probe(strategy()))?.message).toContain("skopeo is not installed in container c");
  });

  it("caches an available answer; concurrent probes share one", async () => {
    docker.containers.set("c", { spec: { name: "c", image: "img", command: [], binds: [`${shared}:/tmp/skopeo`], networkMode: "host", restartPolicy: "no", labels: {} }, status: "running" });
    const s = strategy();
    await Promise.all([probe(s), probe(s), probe(s)]);
    await probe(s);
    expect(docker.calls.filter((c) => c === "ping")).toHaveLength(1);
  });
});

describe("DockerodePushStrategy with unusable connection settings", () => {
  it("constructs, and probes unavailable with the reason", async () => {
    const strategy = new DockerodePushStrategy({ env: { DOCKER_HOST: "ftp://docker.example.com" } });
    const error = failure(await Effect.runPromiseExit(strategy.probe()));
    expect(error?.message).toContain("the Docker connection settings cannot be used: DOCKER_HOST=ftp://docker.example.com: unsupported scheme ftp");
  });
});

describe("registerDockerodeStrategy", () => {
  it("appends the strategy to a container's chain, with the options given", () => {
    const child = rootContainer.createChildContainer();
    const docker = new FakeDockerClient();
    registerDockerodeStrategy(child, { docker, containerName: "from-di" });
    const [strategy] = resolveFallbackChain(child).strategies;
    expect(strategy).toBeInstanceOf(DockerodePushStrategy);
    expect((strategy as DockerodePushStrategy).manager.name).toBe("from-di");
  });

  it("works without options, reading SKOPEO_SHARED_DIR from the process environment by default", () => {
    const child = rootContainer.createChildContainer();
    registerDockerodeStrategy(child);
    const strategy = resolveFallbackChain(child).strategies[0] as DockerodePushStrategy;
    expect(strategy.name).toBe("dockerode");
    expect(strategy.manager.name).toBe("skopeo-service");
    expect(strategy.manager.shared.containerPath).toBe("/tmp/skopeo");
  });
});
