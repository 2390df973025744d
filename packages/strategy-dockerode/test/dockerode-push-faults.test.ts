import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { Readable } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultRetrySettings, ImageReference, type PushError } from "@skopush/core";
import { encodeEntryHeaders, writeImageArchive } from "@skopush/testkit/fixtures";
import { startMisbehavingRegistry, type MisbehavingRegistry } from "@skopush/testkit/hardening";
import { DockerodePushStrategy } from "../src/index.js";
import { FakeDockerClient } from "./fake-docker-client.js";

const errorOf = (exit: Exit.Exit<unknown, PushError>): PushError => {
  if (Exit.isSuccess(exit)) throw new Error("expected the push to fail");
  return Cause.squash(exit.cause) as PushError;
};

describe("DockerodePushStrategy when skopeo is ended by a signal (with a fake daemon)", () => {
  let dir: string;
  let docker: FakeDockerClient;
  // Answers the pre-flight from Node (`GET /v2/`) as a registry does; the fake skopeo pushes nowhere.
  let registry: MisbehavingRegistry;
  beforeEach(async () => {
    registry = await startMisbehavingRegistry();
    dir = mkdtempSync(join(tmpdir(), "skopush-dockerode-fault-unit-"));
    docker = new FakeDockerClient();
    docker.containers.set("c", {
      spec: { name: "c", image: "img", command: [], binds: [`${dir}:/tmp/skopeo`], networkMode: "host", restartPolicy: "no", labels: {} },
      status: "running",
    });
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await registry.close();
  });

  const push = async (onCopy: () => number, transfer: "shared-directory" | "upload" = "shared-directory") => {
    docker.execAnswer = (command) => (command.includes("copy") ? { exitCode: onCopy() } : { exitCode: 0, output: "skopeo version 1.9.3\n" });
    const archive = await writeImageArchive(join(dir, "image.tar"), { format: "docker-legacy", layers: 1, seed: "dockerode-fault" });
    const strategy = new DockerodePushStrategy({ docker, containerName: "c", sharedDir: { hostPath: dir }, transfer });
    const request = {
      archive: { path: archive.path },
      destination: ImageReference.parseOrThrow(`${registry.host}/p/app:v1`),
      tls: { verify: false },
      retry: { ...defaultRetrySettings, times: 0 },
    };
    return errorOf(await Effect.runPromiseExit(strategy.push(request, () => {})));
  };

  it("the container stopped under the push: an EnvironmentFault naming it and how to start it, not CommandFailed", async () => {
    const error = await push(() => {
      docker.containers.get("c")!.status = "exited";
      return 137;
    });
    expect(error._tag).toBe("EnvironmentFault");
    expect(error.message).toContain("container c stopped under the push (skopeo ended with exit code 137, killed by SIGKILL)");
    expect(error.message).toContain("Fix: start it again (docker start c");
    expect(readdirSync(dir).filter((name) => name.startsWith("skopush-"))).toEqual([]);
  });

  it("skopeo alone was killed while the container runs: an EnvironmentFault pointing at memory", async () => {
    const error = await push(() => 137);
    expect(error._tag).toBe("EnvironmentFault");
    expect(error.message).toContain("skopeo was ended by a signal inside container c (exit code 137, killed by SIGKILL)");
  });

  it("the daemon went away: an EnvironmentFault saying the daemon does not answer", async () => {
    const error = await push(() => {
      docker.down = true;
      return 143;
    });
    expect(error._tag).toBe("EnvironmentFault");
    expect(error.message).toContain("the Docker daemon at unix:///fake.sock does not answer");
  });

  it("the container sends back a tar with a link in the workspace: an EnvironmentFault, and nothing is written through the link", async () => {
    const outside = join(dir, "outside");
    docker.archiveAnswer = () =>
      Readable.from([
        Buffer.concat([encodeEntryHeaders({ name: "ws/", type: "directory", size: 0 }), encodeEntryHeaders({ name: "ws/digest", type: "symlink", size: 0, linkname: outside }), Buffer.alloc(1024)]),
      ]);
    const error = await push(() => 0, "upload");
    expect(error._tag).toBe("EnvironmentFault");
    expect(error.message).toContain(`cannot read skopeo's results back from container c: the tar the daemon sent was refused (entry "ws/digest" is a symlink to "${outside}", which escapes the archive)`);
    expect(docker.calls.filter((call) => call.startsWith("getArchive"))).toEqual(["getArchive c"]);
    expect(existsSync(outside)).toBe(false);
  });
});
