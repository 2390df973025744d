import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelOnAbort, FallbackChain, type ProgressEvent } from "@skopush/core";
import { NativeSkopeoStrategy } from "@skopush/strategy-native";
import { listTags, loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { DockerodePushStrategy, SkopeoContainerManager } from "../src/index.js";
import { archive, containerLeftovers, docker, dockerEnv, leftovers, pushRequest, removeAll, testNames } from "./support.js";

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
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromiseExit(effect);

describe("dockerode against the real daemon, skopeo image and registries", () => {
  let environment: TestEnvironment;
  let work: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    environment = await loadTestEnvironment();
    work = mkdtempSync(join(tmpdir(), "skopush-dockerode-it-"));
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const names = () => {
    const n = testNames();
    cleanups.push(() => removeAll(n.name, n.sharedDir));
    return n;
  };

  it("goes through the lifecycle: ensure, running, stop, stopped, push with autoStart, running again, remove", async () => {
    const { name, sharedDir } = names();
    const options = { containerName: name, image: environment.skopeoImage, sharedDir: { hostPath: sharedDir }, env: dockerEnv(environment) };
    const manager = new SkopeoContainerManager(options);
    const state = async () => valueOf(await run(manager.status())).state;

    expect(await state()).toBe("missing");
    const facts = valueOf(await run(manager.ensure()));
    expect(facts.networkMode).toBe("host");
    expect(facts.mounts).toContainEqual({ type: "bind", source: sharedDir, destination: "/tmp/skopeo", readWrite: true });
    expect(await state()).toBe("running");
    expect(await docker("inspect", "--format", "{{.HostConfig.RestartPolicy.Name}} {{json .Config.Cmd}}", name)).toBe('unless-stopped ["tail","-f","/dev/null"]\n');

    valueOf(await run(manager.stop()));
    expect(await state()).toBe("stopped");

    const withoutAutoStart = new DockerodePushStrategy(options);
    expect(errorOf(await run(withoutAutoStart.probe())).message).toContain(`docker start ${name}`);

    const strategy = new DockerodePushStrategy({ ...options, autoStart: true });
    const registry = environment.registry("basic");
    const image = await archive(work, "docker-oci", "autostart");
    const request = pushRequest(registry, image.path, "autostart");
    const outcome = valueOf(await run(strategy.push(request, () => {})));
    expect((await readManifest(registry, request.destination.repository, "v1")).digest).toBe(outcome.digest);
    expect(await state()).toBe("running");
    expect(leftovers(sharedDir)).toEqual([]);

    valueOf(await run(manager.restart()));
    expect(await state()).toBe("running");
    expect(valueOf(await run(manager.logs()))).toBe("");

    valueOf(await run(manager.remove()));
    expect(await state()).toBe("missing");
  });

  it("autoCreate creates the missing container from the local image, then pushes", async () => {
    const { name, sharedDir } = names();
    const strategy = new DockerodePushStrategy({
      containerName: name,
      image: environment.skopeoImage,
      sharedDir: { hostPath: sharedDir },
      env: dockerEnv(environment),
      autoCreate: true,
    });
    const registry = environment.registry("plain");
    const image = await archive(work, "docker-legacy", "autocreate");
    const request = pushRequest(registry, image.path, "autocreate");
    const outcome = valueOf(await run(strategy.push(request, () => {})));
    expect((await readManifest(registry, request.destination.repository, "v1")).digest).toBe(outcome.digest);
    expect(leftovers(sharedDir)).toEqual([]);
  });

  it("never pulls: a missing image is an error naming it and how to get it", async () => {
    const { name, sharedDir } = names();
    const manager = new SkopeoContainerManager({ containerName: name, image: "skopush/no-such-image:never", sharedDir: { hostPath: sharedDir }, env: dockerEnv(environment) });
    const error = errorOf(await run(manager.ensure()));
    expect(error.message).toContain("the image skopush/no-such-image:never is not on the Docker daemon");
    expect(error.message).toContain("docker pull skopush/no-such-image:never");
    expect(valueOf(await run(manager.status())).state).toBe("missing");
  });

  it("pushes through the shared directory, and through putArchive into a container without the mount; digests match", async () => {
    const mounted = names();
    const unmounted = names();
    const env = dockerEnv(environment);
    valueOf(await run(new SkopeoContainerManager({ containerName: mounted.name, image: environment.skopeoImage, sharedDir: { hostPath: mounted.sharedDir }, env }).ensure()));
    await docker("run", "-d", "--name", unmounted.name, "--network", "host", environment.skopeoImage);

    const viaShare = new DockerodePushStrategy({ containerName: mounted.name, sharedDir: { hostPath: mounted.sharedDir }, env, transfer: "shared-directory" });
    const viaUpload = new DockerodePushStrategy({ containerName: unmounted.name, sharedDir: { hostPath: unmounted.sharedDir }, env });
    const forcedShare = new DockerodePushStrategy({ containerName: unmounted.name, sharedDir: { hostPath: unmounted.sharedDir }, env, transfer: "shared-directory" });
    expect(errorOf(await run(forcedShare.probe())).message).toContain("does not mount the shared directory");

    for (const [label, strategy, kind] of [["share", viaShare, "tls"], ["upload", viaUpload, "basic"]] as const) {
      const registry = environment.registry(kind);
      const image = await archive(work, "oci-archive", `transfer-${label}`, 3, 512 * 1024);
      const request = pushRequest(registry, image.path, `transfer-${label}`);
      const outcome = valueOf(await run(strategy.push(request, () => {})));
      const stored = await readManifest(registry, request.destination.repository, "v1");
      expect(outcome.digest).toBe(stored.digest);
      expect(stored.json.config?.digest).toBe(image.configDigest);
    }
    expect(leftovers(mounted.sharedDir)).toEqual([]);
    expect(leftovers(unmounted.sharedDir)).toEqual([]);
    expect(await containerLeftovers(unmounted.name)).toEqual([]);
  });

  it("pushes a gzip docker archive larger than what is read back through putArchive: the decompressed copy in the workspace is passed over unread", async () => {
    const unmounted = names();
    const env = dockerEnv(environment);
    await docker("run", "-d", "--name", unmounted.name, "--network", "host", environment.skopeoImage);
    const strategy = new DockerodePushStrategy({ containerName: unmounted.name, sharedDir: { hostPath: unmounted.sharedDir }, env, transfer: "upload" });
    const registry = environment.registry("plain");
    // Decompressed it is 24 MiB, more than the 16 MiB a file read back from the container may hold.
    const image = await writeImageArchive(join(work, "upload-gzip.tar.gz"), { format: "docker-legacy", seed: "upload-gzip", layers: 3, layerSize: 8 * 1024 * 1024, compress: "gzip" });
    const request = pushRequest(registry, image.path, "upload-gzip");
    const outcome = valueOf(await run(strategy.push(request, () => {})));
    const stored = await readManifest(registry, request.destination.repository, "v1");
    expect(outcome.digest).toBe(stored.digest);
    expect(stored.json.config?.digest).toBe(image.configDigest);
    expect(await containerLeftovers(unmounted.name)).toEqual([]);
  });

  it.each(["shared-directory", "upload"] as const)("stops skopeo inside the container when a push (%s) is cancelled", async (transfer) => {
    const { name, sharedDir } = names();
    const options = { containerName: name, image: environment.skopeoImage, sharedDir: { hostPath: sharedDir }, env: dockerEnv(environment) };
    valueOf(await run(new SkopeoContainerManager(options).ensure()));
    const strategy = new DockerodePushStrategy({ ...options, transfer });
    const registry = environment.registry("plain");
    const image = await archive(work, "docker-legacy", `cancel-${transfer}`, 3, 32 * 1024 * 1024);
    const controller = new AbortController();
    const request = pushRequest(registry, image.path, `cancel-${transfer}`, { signal: controller.signal });
    const events: ProgressEvent[] = [];
    const pending = run(cancelOnAbort(strategy.push(request, (e) => events.push(e)), request.signal));
    const processes = async () => (await docker("top", name, "-o", "pid,args")).split("\n").slice(1).map((l) => l.trim()).filter(Boolean);
    const deadline = Date.now() + 20_000;
    let sawSkopeo = false;
    while (Date.now() < deadline && !sawSkopeo) {
      sawSkopeo = (await processes()).some((p) => p.includes("skopeo copy"));
      if (!sawSkopeo) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sawSkopeo).toBe(true);
    controller.abort(new Error("cancelled by the test"));
    expect(errorOf(await pending)._tag).toBe("PushCancelled");
    expect((await processes()).filter((p) => !p.includes("tail -f /dev/null"))).toEqual([]);
    expect(await listTags(registry, request.destination.repository)).toEqual([]);
    expect(leftovers(sharedDir)).toEqual([]);
    expect(await containerLeftovers(name)).toEqual([]);
  });

  it("aborts an upload cancelled while the archive streams into the container, leaving nothing there", async () => {
    const { name, sharedDir } = names();
    const options = { containerName: name, image: environment.skopeoImage, sharedDir: { hostPath: sharedDir }, env: dockerEnv(environment) };
    valueOf(await run(new SkopeoContainerManager(options).ensure()));
    const strategy = new DockerodePushStrategy({ ...options, transfer: "upload" });
    const image = await archive(work, "docker-legacy", "cancel-upload", 4, 64 * 1024 * 1024);
    const controller = new AbortController();
    const request = pushRequest(environment.registry("plain"), image.path, "cancel-upload", { signal: controller.signal });
    const events: ProgressEvent[] = [];
    const pending = run(cancelOnAbort(strategy.push(request, (e) => events.push(e)), request.signal));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !events.some((e) => e.message.startsWith("Staging the archive"))) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(events.some((e) => e.message.startsWith("Staging the archive"))).toBe(true);
    controller.abort(new Error("cancelled by the test"));
    expect(errorOf(await pending)._tag).toBe("PushCancelled");
    expect(await containerLeftovers(name)).toEqual([]);
  });

  it("reports a DOCKER_HOST socket nobody listens on as unavailable from the refused connection, without waiting for the ping timeout; the chain falls through", async () => {
    const socket = join(work, "nobody-listens.sock");
    // A ping timeout of a minute: an answer that waited for it would say ETIMEDOUT, and come after it.
    const strategy = new DockerodePushStrategy({ env: { ...process.env, DOCKER_HOST: `unix://${socket}` }, containerName: "skopush-test-nodaemon", pingTimeoutMs: 60_000 });
    const error = errorOf(await run(strategy.probe()));
    expect(error._tag).toBe("StrategyUnavailable");
    expect(error.message).toContain(`the Docker daemon at unix://${socket} does not answer (ENOENT: `);

    const image = await archive(work, "docker-legacy", "nodaemon");
    const registry = environment.registry("plain");
    const request = pushRequest(registry, image.path, "nodaemon");
    const result = valueOf(await run(new FallbackChain([strategy, new NativeSkopeoStrategy()]).push(request)));
    expect(result.strategy).toBe("native");
    expect((await readManifest(registry, request.destination.repository, "v1")).digest).toBe(result.outcome.digest);
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      ["dockerode", "unavailable"],
      ["native", "success"],
    ]);
  });
});
