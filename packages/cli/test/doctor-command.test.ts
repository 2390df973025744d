import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakePushStrategy } from "@skopush/testkit";
import { run, type DoctorReport } from "@skopush/cli";
import { fakeContainers, testIo } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "skopush-doctor-test-"));
const emptyPath = join(dir, "empty-bin");
const toolsPath = join(dir, "bin");
const shared = join(dir, "shared");
const socket = join(dir, "docker.sock");
mkdirSync(emptyPath);
mkdirSync(toolsPath);
mkdirSync(shared);

// Stand-ins for the host programs: doctor only reads their versions.
const script = (name: string, output: string) => {
  writeFileSync(join(toolsPath, name), `#!/bin/sh\necho '${output}'\n`);
  chmodSync(join(toolsPath, name), 0o755);
};
script("skopeo", "skopeo version 1.9.3");
script("docker", "Docker version 20.10.24+dfsg1, build 297e128");

/** An Engine API stand-in on a unix socket: a daemon and one container that mounts `shared` or not. */
let mounts: Array<{ Source: string; Destination: string }> = [];
const engine = http.createServer((request, response) => {
  response.setHeader("content-type", "application/json");
  if (request.url === "/version") return response.end(JSON.stringify({ Version: "24.0.5", ApiVersion: "1.43" }));
  if (request.url === "/containers/skopeo-service/json") {
    return response.end(JSON.stringify({ State: { Running: true }, Config: { Image: "quay.io/skopeo/stable" }, Mounts: mounts }));
  }
  response.statusCode = 404;
  response.end(JSON.stringify({ message: "No such container" }));
});
beforeAll(() => new Promise<void>((resolve) => engine.listen(socket, resolve)));
afterAll(async () => {
  await new Promise((resolve) => engine.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const doctor = async (env: Record<string, string>, fakes: Parameters<typeof fakeContainers>[0], extra: string[] = []) => {
  const { createContainer } = fakeContainers(fakes);
  const { io, stdout } = testIo({ env });
  const code = await run(["doctor", "--json", "--shared-dir", shared, ...extra], io, { createContainer });
  return { code, report: JSON.parse(stdout.text) as DoctorReport };
};

describe("skopush doctor", () => {
  it("explains a machine without Docker: no daemon, no docker CLI, and which strategy pushes instead", async () => {
    const { code, report } = await doctor(
      { PATH: toolsPath.replace("bin", "empty-bin"), DOCKER_HOST: "unix:///nonexistent.sock" },
      { registry: FakePushStrategy.succeeding("registry") },
    );
    expect(code).toBe(0);
    expect(report.strategies.map((s) => [s.strategy, s.available])).toEqual([
      ["docker-exec", false],
      ["dockerode", false],
      ["native", false],
      ["registry", true],
    ]);
    expect(report.docker.daemon).toEqual({ host: "unix:///nonexistent.sock", reachable: false, problem: "no Docker daemon socket at /nonexistent.sock" });
    expect(report.docker.cli.found).toBe(false);
    expect(report.skopeo.found).toBe(false);
    expect(report.sharedDirectory).toEqual({ hostPath: shared, containerPath: "/tmp/skopeo", exists: true, writable: true });
    expect(report.advice[0]).toContain("No Docker here: no Docker daemon socket at /nonexistent.sock, and the docker CLI is not on PATH");
    expect(report.advice[0]).toContain("docker-exec and dockerode strategies cannot push on this machine");
    expect(report.advice.at(-1)).toBe("Pushes will use registry.");
  });

  it("reports versions, the running container and that it mounts the shared directory", async () => {
    mounts = [{ Source: shared, Destination: "/tmp/skopeo" }];
    const { code, report } = await doctor(
      { PATH: toolsPath, DOCKER_HOST: `unix://${socket}` },
      { "docker-exec": FakePushStrategy.succeeding("docker-exec"), native: FakePushStrategy.succeeding("native") },
    );
    expect(code).toBe(0);
    expect(report.skopeo).toEqual({ found: true, path: join(toolsPath, "skopeo"), version: "1.9.3" });
    expect(report.docker.cli).toMatchObject({ found: true, version: "20.10.24+dfsg1" });
    expect(report.docker.daemon).toMatchObject({ reachable: true, version: "24.0.5", apiVersion: "1.43" });
    expect(report.container).toMatchObject({ name: "skopeo-service", exists: true, running: true, image: "quay.io/skopeo/stable" });
    expect(report.sharedDirectory.mounted).toBe(true);
    expect(report.usable).toEqual(["docker-exec", "native"]);
    expect(report.advice).toEqual(["Pushes will use docker-exec, then native."]);
  });

  it("says when the container does not mount the shared directory, or does not exist", async () => {
    mounts = [{ Source: "/somewhere/else", Destination: "/tmp/skopeo" }];
    const env = { PATH: toolsPath, DOCKER_HOST: `unix://${socket}` };
    const unmounted = await doctor(env, {});
    expect(unmounted.report.sharedDirectory.mounted).toBe(false);
    expect(unmounted.report.advice.join(" ")).toContain(`skopeo-service does not mount ${shared} at /tmp/skopeo`);
    expect(unmounted.report.advice.join(" ")).toContain(`recreate it with skopush service rm && skopush service create --shared-dir ${shared}`);
    const missing = await doctor(env, {}, ["--name", "skopeo-missing"]);
    expect(missing.report.container).toMatchObject({ name: "skopeo-missing", exists: false });
    // The fix carries the --name (and --shared-dir) this doctor was given: it creates the container asked about.
    expect(missing.report.advice[0]).toBe(`The resident container skopeo-missing does not exist: run skopush service create --name skopeo-missing --shared-dir ${shared}.`);
  });

  it("exits 1 when no strategy can push", async () => {
    const { code, report } = await doctor({ PATH: emptyPath, DOCKER_HOST: "unix:///nonexistent.sock" }, {});
    expect(code).toBe(1);
    expect(report.advice.at(-1)).toBe("No strategy can push here; fix one of the problems above.");
  });

  it("prints a readable report without --json", async () => {
    const { createContainer } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const { io, stdout } = testIo({ env: { PATH: emptyPath, DOCKER_HOST: "unix:///nonexistent.sock", NO_COLOR: "1" } });
    await run(["doctor", "--shared-dir", shared], io, { createContainer });
    expect(stdout.text).toContain("Strategies, in push order");
    expect(stdout.text).toMatch(/✖ docker-exec\s+docker-exec: not on this machine/);
    expect(stdout.text).toMatch(/✔ native\s+available/);
    expect(stdout.text).toContain("No Docker here");
    expect(stdout.text).not.toContain("\u001b[");
  });
});
