import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { container as rootContainer } from "tsyringe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelOnAbort, defaultPushTimeouts, FallbackChain, ImageReference, resolvePusher, type ProgressEvent, type PushError } from "@skopush/core";
import { NativeSkopeoStrategy, registerNativeSkopeoStrategy } from "@skopush/strategy-native";
import { listTags, loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { startMisbehavingRegistry, startMisbehavingTlsRegistry } from "@skopush/testkit/hardening";
import { DockerExecPushStrategy, registerDockerExecStrategy } from "../src/index.js";
import { archive, docker, execArguments, exitOf, pushRequest, startTestContainer, type TestContainer } from "./support.js";

const errorOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure");
  const found = Cause.findErrorOption(exit.cause);
  if (found._tag === "None") throw new Error(Cause.pretty(exit.cause));
  return found.value;
};

const valueOf = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause));
  return exit.value;
};

/** The host-side strategy the chain falls through to. */
const hostSkopeo = new NativeSkopeoStrategy();

describe("docker-exec against the real daemon, skopeo image and registries", () => {
  let environment: TestEnvironment;
  let container: TestContainer;
  let strategy: DockerExecPushStrategy;
  let work: string;
  const extra: TestContainer[] = [];

  const strategyFor = (c: TestContainer) => new DockerExecPushStrategy({ containerName: c.name, sharedDir: { hostPath: c.sharedDir }, image: environment.skopeoImage });

  beforeAll(async () => {
    environment = await loadTestEnvironment();
    work = mkdtempSync(join(tmpdir(), "skopush-docker-exec-it-"));
    container = await startTestContainer(environment);
    strategy = strategyFor(container);
  });

  afterAll(async () => {
    for (const c of [container, ...extra]) await c?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  // Red team of issue 14: the pre-flight only pinged /v2/; skopeo in the container then waited on a token
  // realm that never answers, bounded only by the stall limit.
  it("a token realm that never answers → Timeout (response) of the pre-flight naming the realm; no skopeo started", async () => {
    const realm = await startMisbehavingRegistry({ rules: [{ when: "any", act: { kind: "silent" } }] });
    const gate = await startMisbehavingTlsRegistry(environment, {
      rules: [{ when: "ping", act: { kind: "rewrite-answer", status: 401, headers: { "www-authenticate": `Bearer realm="${realm.url}/token",service="test"` } } }],
    });
    try {
      const image = await archive(work, "docker-legacy", "silent-realm");
      const base = pushRequest(environment.registry("tls"), image.path, "silent-realm");
      const request = {
        ...base,
        destination: ImageReference.parseOrThrow(`${gate.host}/${base.destination.repository}:v1`),
        timeouts: { ...defaultPushTimeouts, connectMs: 2_000, responseMs: 2_000, stallMs: 10_000 },
      };
      const started = Date.now();
      const error = errorOf(await exitOf(strategy.push(request, () => {}))) as PushError;
      expect(error).toMatchObject({ _tag: "Timeout", stage: "response" });
      expect(error.message).toContain("getting a token");
      expect(error.message).toContain(realm.host);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(gate.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v2/"]);
      expect(container.leftovers()).toEqual([]);
      expect((await container.processes()).filter((p) => p.includes("skopeo"))).toEqual([]);
    } finally {
      await gate.close();
      await realm.close();
    }
  });

  it.each(["plain", "tls", "basic"] as const)("pushes to the %s registry; the digest read back matches", async (kind) => {
    const registry = environment.registry(kind);
    const image = await archive(work, "docker-legacy", `registry-${kind}`);
    const request = pushRequest(registry, image.path, `docker-exec-${kind}`);
    const outcome = valueOf(await exitOf(strategy.push(request, () => {})));
    const stored = await readManifest(registry, request.destination.repository, "v1");
    expect(outcome.digest).toBe(stored.digest);
    expect(stored.json.config?.digest).toBe(image.configDigest);
    expect(container.leftovers()).toEqual([]);
  });

  it("pushes eight different images at once through the one container; all land, the shared directory ends empty", async () => {
    const registry = environment.registry("plain");
    const images = await Promise.all(Array.from({ length: 8 }, (_, i) => archive(work, i % 2 ? "docker-oci" : "docker-legacy", `concurrent-${i}`, 2, 256 * 1024)));
    const requests = images.map((image, i) => pushRequest(registry, image.path, `concurrent-${i}`));
    const outcomes = await Promise.all(requests.map((request) => exitOf(strategy.push(request, () => {})).then(valueOf)));
    for (const [i, request] of requests.entries()) {
      const stored = await readManifest(registry, request.destination.repository, "v1");
      expect(outcomes[i]!.digest).toBe(stored.digest);
      expect(stored.json.config?.digest).toBe(images[i]!.configDigest);
    }
    expect(new Set(outcomes.map((o) => o.digest)).size).toBe(8);
    expect(container.leftovers()).toEqual([]);
  });

  it("puts no secret in any docker or skopeo argv, on this host or in the daemon's exec records", async () => {
    const registry = environment.registry("basic");
    const password = registry.credentials!.password;
    const image = await archive(work, "docker-oci", "secrets", 3, 4 * 1024 * 1024);
    const request = pushRequest(registry, image.path, "secrets");
    const argvs: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          let cmdline = "";
          try {
            cmdline = readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ");
          } catch {
            continue;
          }
          if (/\b(?:docker|skopeo)\b/.test(cmdline)) argvs.push(cmdline);
        }
        for (const args of await execArguments(container.name).catch(() => [])) argvs.push(`exec: ${args.join(" ")}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const exit = await exitOf(strategy.push(request, () => {}));
    sampling = false;
    await sampler;
    valueOf(exit);
    // The samples saw the push itself: skopeo's copy, from this host's docker exec and from the daemon's records.
    expect(argvs.some((a) => a.includes("docker exec") && a.includes("skopeo copy"))).toBe(true);
    expect(argvs.some((a) => a.startsWith("exec: sh -c") && a.includes("skopeo copy"))).toBe(true);
    expect(argvs.filter((a) => a.includes(password))).toEqual([]);
    expect(argvs.filter((a) => a.includes(Buffer.from(`${registry.credentials!.username}:${password}`).toString("base64")))).toEqual([]);
    expect(container.leftovers()).toEqual([]);
  });

  it("stops skopeo inside the container when the push is cancelled", async () => {
    const registry = environment.registry("plain");
    const image = await archive(work, "docker-legacy", "cancel", 3, 32 * 1024 * 1024);
    const controller = new AbortController();
    const request = pushRequest(registry, image.path, "cancel", { signal: controller.signal });
    const events: ProgressEvent[] = [];
    const pending = exitOf(cancelOnAbort(strategy.push(request, (e) => events.push(e)), request.signal));
    const deadline = Date.now() + 20_000;
    let sawSkopeo = false;
    while (Date.now() < deadline && !sawSkopeo) {
      sawSkopeo = (await container.processes()).some((p) => p.includes("skopeo copy"));
      if (!sawSkopeo) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sawSkopeo).toBe(true);
    controller.abort(new Error("cancelled by the test"));
    const error = errorOf(await pending);
    expect(error._tag).toBe("PushCancelled");
    // Once the push resolved, skopeo is gone from the container: only the resident tail is left.
    expect((await container.processes()).filter((p) => !p.includes("tail -f /dev/null"))).toEqual([]);
    expect(await listTags(registry, request.destination.repository)).toEqual([]);
    expect(container.leftovers()).toEqual([]);
  });

  it("registers twice with two names on two resident containers: the first stopped one falls through to the second, which pushes", async () => {
    const first = await startTestContainer(environment);
    const second = await startTestContainer(environment);
    extra.push(first, second);
    await docker("stop", "-t", "0", first.name);
    const composition = rootContainer.createChildContainer();
    const on = (c: TestContainer, name: string) => ({ name, containerName: c.name, sharedDir: { hostPath: c.sharedDir }, image: environment.skopeoImage });
    registerDockerExecStrategy(composition, on(first, "docker-exec-first"));
    registerDockerExecStrategy(composition, on(second, "docker-exec-second"));
    const registry = environment.registry("plain");
    const image = await archive(work, "docker-legacy", "two-containers");
    const destination = `${registry.host}/it/two-containers:v1`;
    const report = await Effect.runPromise(resolvePusher(composition).pushEffect({ archive: image.path, destination, tls: { verify: false }, retry: { times: 0 } }));
    expect(report.method).toBe("docker-exec-second");
    expect(report.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      ["docker-exec-first", "unavailable"],
      ["docker-exec-second", "success"],
    ]);
    expect(report.attempts[0]!.reason).toContain(`docker start ${first.name}`);
    expect((await readManifest(registry, "it/two-containers", "v1")).digest).toBe(report.digest);
    expect(second.leftovers()).toEqual([]);
  });

  it("is unavailable when the container is stopped, naming docker start; the chain then pushes with native", async () => {
    const stopped = await startTestContainer(environment);
    extra.push(stopped);
    await docker("stop", "-t", "0", stopped.name);
    const dockerExec = strategyFor(stopped);
    const probe = errorOf(await exitOf(dockerExec.probe()));
    expect(probe._tag).toBe("StrategyUnavailable");
    expect(probe.message).toContain(`container ${stopped.name} is exited, not running`);
    expect(probe.message).toContain(`Fix: docker start ${stopped.name}`);

    const registry = environment.registry("plain");
    const image = await archive(work, "docker-legacy", "fallback");
    const request = pushRequest(registry, image.path, "fallback");
    const result = valueOf(await exitOf(new FallbackChain([dockerExec, hostSkopeo]).push(request)));
    expect(result.strategy).toBe("native");
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      ["docker-exec", "unavailable"],
      ["native", "success"],
    ]);
    expect(result.attempts[0]!.reason).toContain(`docker start ${stopped.name}`);
    expect((await readManifest(registry, request.destination.repository, "v1")).digest).toBe(result.outcome.digest);
  });

  it("is unavailable when the container does not exist, giving the docker run line; a pusher composed with DI pushes with native", async () => {
    const options = { containerName: `skopush-test-missing-${Date.now()}`, sharedDir: { hostPath: "/tmp/geoml-skopeo" } };
    const error = errorOf(await exitOf(new DockerExecPushStrategy(options).probe()));
    expect(error.message).toContain("does not exist");
    expect(error.message).toContain("docker run -d --name skopush-test-missing-");
    expect(error.message).toContain("--restart unless-stopped --network host -v /tmp/geoml-skopeo:/tmp/skopeo quay.io/skopeo/stable tail -f /dev/null");

    const composition = rootContainer.createChildContainer();
    registerDockerExecStrategy(composition, options);
    registerNativeSkopeoStrategy(composition);
    const registry = environment.registry("plain");
    const image = await archive(work, "docker-legacy", "pusher-fallback");
    // A repository of this run: the registry's storage outlives runs, and the fixture's seed is fixed.
    const repository = `it/pusher-fallback-${randomBytes(4).toString("hex")}`;
    const destination = `${registry.host}/${repository}:v1`;
    const report = await Effect.runPromise(resolvePusher(composition).pushEffect({ archive: image.path, destination, tls: { verify: false }, retry: { times: 0 } }));
    expect(report.method).toBe("native");
    expect(report.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      ["docker-exec", "unavailable"],
      ["native", "success"],
    ]);
    expect((await readManifest(registry, repository, "v1")).digest).toBe(report.digest);
  });

  it("is unavailable, precisely, when the container does not mount the shared directory", async () => {
    const unmounted = await startTestContainer(environment, { mount: false });
    extra.push(unmounted);
    const error = errorOf(await exitOf(strategyFor(unmounted).probe()));
    expect(error.message).toContain(`container ${unmounted.name} does not mount the shared directory at /tmp/skopeo (it has no mounts)`);
    expect(error.message).toContain(`-v ${unmounted.sharedDir}:/tmp/skopeo`);
  });

  it("is unavailable when the host writes to another directory than the container mounts", async () => {
    const other = mkdtempSync(join(tmpdir(), "skopush-test-other-"));
    try {
      const wrong = new DockerExecPushStrategy({ containerName: container.name, sharedDir: { hostPath: other } });
      const error = errorOf(await exitOf(wrong.probe()));
      expect(error.message).toContain(`mounts the host directory ${container.sharedDir} at /tmp/skopeo, not the shared directory ${other}`);
      expect(error.message).toContain(`SKOPEO_SHARED_DIR=${container.sharedDir}`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("reads SKOPEO_SHARED_DIR from the environment it is given", async () => {
    const fromEnv = new DockerExecPushStrategy({ containerName: container.name, env: { ...process.env, SKOPEO_SHARED_DIR: container.sharedDir } });
    expect(fromEnv.target.shared.hostPath).toBe(container.sharedDir);
    valueOf(await exitOf(fromEnv.probe()));
  });

  it("classifies a loopback registry unreachable from a bridged container as an environment fault; the chain moves on", async () => {
    const bridged = await startTestContainer(environment, { network: "bridge" });
    extra.push(bridged);
    const dockerExec = strategyFor(bridged);
    const registry = environment.registry("plain");
    const image = await archive(work, "docker-legacy", "bridged");
    const request = pushRequest(registry, image.path, "bridged");
    const error = errorOf(await exitOf(dockerExec.push(request, () => {})));
    expect(error._tag).toBe("EnvironmentFault");
    expect(error.message).toContain(`container ${bridged.name} is on the "bridge" network`);
    expect(error.message).toContain("--network host");
    const result = valueOf(await exitOf(new FallbackChain([dockerExec, hostSkopeo]).push(pushRequest(registry, image.path, "bridged"))));
    expect(result.attempts.map((a) => [a.strategy, a.outcome, a.error])).toEqual([
      ["docker-exec", "failed", "EnvironmentFault"],
      ["native", "success", undefined],
    ]);
    expect(bridged.leftovers()).toEqual([]);
  });
});
