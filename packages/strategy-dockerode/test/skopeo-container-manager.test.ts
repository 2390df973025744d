import { Cause, Effect, Exit } from "effect";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OPTION_PHRASES, withSettingPhrases, type SettingPhrases } from "@skopush/core";
import { SkopeoContainerManager } from "../src/skopeo-container-manager.js";
import { FakeDockerClient } from "./fake-docker-client.js";

const failure = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined);

describe("SkopeoContainerManager (with a fake daemon)", () => {
  // ensure() creates the host side of the shared directory, so it must be one this test owns.
  const shared = join(mkdtempSync(join(tmpdir(), "skopush-manager-unit-")), "share");
  afterAll(() => rmSync(join(shared, ".."), { recursive: true, force: true }));
  const make = (docker = new FakeDockerClient()) =>
    new SkopeoContainerManager({ docker, containerName: "skopeo-x", image: "skopush/skopeo:local", sharedDir: { hostPath: shared } });

  it("ensure creates the container as specified and starts it; a second ensure changes nothing", async () => {
    const docker = new FakeDockerClient();
    docker.images.add("skopush/skopeo:local");
    const manager = make(docker);
    const facts = await Effect.runPromise(manager.ensure());
    expect(facts.running).toBe(true);
    expect(docker.containers.get("skopeo-x")?.spec).toEqual({
      name: "skopeo-x",
      image: "skopush/skopeo:local",
      command: ["tail", "-f", "/dev/null"],
      binds: [`${shared}:/tmp/skopeo`],
      networkMode: "host",
      restartPolicy: "unless-stopped",
      labels: { "org.skopush.created-by": "skopush" },
    });
    const before = docker.calls.length;
    await Effect.runPromise(manager.ensure());
    expect(docker.calls.slice(before)).toEqual(["inspect skopeo-x"]);
  });

  it("never pulls: a missing image is an error naming the image and how to get it", async () => {
    const docker = new FakeDockerClient();
    const exit = await Effect.runPromiseExit(make(docker).ensure());
    const error = failure(exit) as Error;
    expect(error).toMatchObject({ _tag: "ContainerLifecycleError", operation: "ensure" });
    expect(error.message).toContain("the image skopush/skopeo:local is not on the Docker daemon");
    expect(error.message).toContain("docker pull skopush/skopeo:local");
    expect(docker.calls.some((c) => c.startsWith("create"))).toBe(false);
    // In the caller's language (red team of issue 16): the option field here, the caller's phrase inside its scope.
    expect(error.message).toContain("set the container strategies' image option to one that is present");
    const phrases = Object.fromEntries(Object.keys(OPTION_PHRASES).map((id) => [id, () => `--flag-for-${id}`])) as unknown as SettingPhrases;
    const asCli = failure(await withSettingPhrases(phrases, () => Effect.runPromiseExit(make(new FakeDockerClient()).ensure()))) as Error;
    expect(asCli.message).toContain("--flag-for-containerImage");
    expect(asCli.message).not.toContain("image option");
  });

  it("reports status through the lifecycle: missing, running, stopped, running, missing", async () => {
    const docker = new FakeDockerClient();
    docker.images.add("skopush/skopeo:local");
    const manager = make(docker);
    const state = async () => (await Effect.runPromise(manager.status())).state;
    expect(await state()).toBe("missing");
    await Effect.runPromise(manager.ensure());
    expect(await state()).toBe("running");
    await Effect.runPromise(manager.stop());
    await Effect.runPromise(manager.stop());
    expect(await state()).toBe("stopped");
    await Effect.runPromise(manager.start());
    await Effect.runPromise(manager.start());
    expect(await state()).toBe("running");
    expect(await Effect.runPromise(manager.logs())).toBe("log line\n");
    await Effect.runPromise(manager.remove());
    await Effect.runPromise(manager.remove());
    expect(await state()).toBe("missing");
  });

  it("a daemon that does not answer fails every operation with the reason and the fix", async () => {
    const docker = new FakeDockerClient();
    docker.down = true;
    const error = failure(await Effect.runPromiseExit(make(docker).status())) as Error;
    expect(error.message).toContain("[skopush] [dockerode] cannot inspect container skopeo-x: the Docker daemon at unix:///fake.sock does not answer");
    expect(error.message).toContain("Fix: start Docker");
  });

  it("the create command it names matches what it creates", () => {
    expect(make().createCommand).toBe(
      `docker run -d --name skopeo-x --restart unless-stopped --network host -v ${shared}:/tmp/skopeo skopush/skopeo:local tail -f /dev/null`,
    );
  });
});
