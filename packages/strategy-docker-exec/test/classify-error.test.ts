import { describe, expect, it } from "vitest";
import { classifyDockerCliError, classifyDockerStderr } from "../src/classify-error.js";
import { DockerCliError } from "../src/docker-cli.js";

const context = { container: "skopeo-service", createCommand: "docker run -d --name skopeo-service …" };

// Messages as docker 20.10 prints them.
describe("classifyDockerStderr", () => {
  it("daemon down", () => {
    const problem = classifyDockerStderr("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n", context);
    expect(problem.kind).toBe("daemon-down");
    expect(problem.fix).toContain("DOCKER_HOST");
  });

  it("no permission on the socket", () => {
    const stderr =
      'Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/json": dial unix /var/run/docker.sock: connect: permission denied';
    expect(classifyDockerStderr(stderr, context)).toMatchObject({ kind: "daemon-permission", fix: expect.stringContaining("usermod -aG docker") });
  });

  it("missing container: the fix is the docker run line", () => {
    expect(classifyDockerStderr("Error response from daemon: No such container: skopeo-service\n", context)).toEqual({
      kind: "no-container",
      reason: "container skopeo-service does not exist",
      fix: "create it: docker run -d --name skopeo-service …",
    });
  });

  it("stopped and paused containers", () => {
    expect(classifyDockerStderr("Error response from daemon: Container 612b29bd is not running\n", context)).toMatchObject({
      kind: "not-running",
      fix: "docker start skopeo-service",
    });
    expect(classifyDockerStderr("Error response from daemon: Container skopeo-service is paused, unpause the container before exec\n", context)).toMatchObject({
      kind: "paused",
      fix: "docker unpause skopeo-service",
    });
  });

  it("no shell in the image", () => {
    const stderr = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown\n';
    expect(classifyDockerStderr(stderr, context).kind).toBe("no-shell");
  });

  it("keeps anything else as it was printed", () => {
    expect(classifyDockerStderr("time=x level=fatal msg=\"something\"\n", context)).toEqual({ kind: "unknown", reason: 'time=x level=fatal msg="something"' });
  });
});

describe("classifyDockerCliError", () => {
  it("a missing docker CLI says how to install it", () => {
    const problem = classifyDockerCliError(new DockerCliError({ kind: "missing", detail: "docker not found on PATH" }));
    expect(problem).toMatchObject({ kind: "cli-missing", reason: "the docker CLI is not installed (docker not found on PATH)" });
    expect(problem.fix).toContain("dockerPath");
  });
});
