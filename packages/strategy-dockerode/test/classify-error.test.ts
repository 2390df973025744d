import { describe, expect, it } from "vitest";
import { classifyDockerApiError } from "../src/classify-error.js";
import { DockerHostInvalid } from "../src/docker-connection.js";

const context = { endpoint: "unix:///var/run/docker.sock", container: "skopeo-service", createCommand: "docker run …" };
const httpError = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), { statusCode, json: { message } });
const sysError = (code: string) => Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });

describe("classifyDockerApiError", () => {
  it.each(["ECONNREFUSED", "ENOENT", "ETIMEDOUT", "EHOSTUNREACH"])("%s: the daemon does not answer", (code) => {
    const problem = classifyDockerApiError(sysError(code), context);
    expect(problem.kind).toBe("daemon-down");
    expect(problem.reason).toContain("unix:///var/run/docker.sock");
    expect(problem.fix).toContain("DOCKER_HOST");
  });

  it("EACCES: the user may not use the daemon", () => {
    expect(classifyDockerApiError(sysError("EACCES"), context)).toMatchObject({ kind: "daemon-permission", fix: expect.stringContaining("docker group") });
  });

  it("a TLS failure names DOCKER_CERT_PATH", () => {
    expect(classifyDockerApiError(sysError("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), context)).toMatchObject({ kind: "daemon-tls", fix: expect.stringContaining("DOCKER_CERT_PATH") });
  });

  it("404 no such container, with how to create it", () => {
    expect(classifyDockerApiError(httpError(404, "No such container: skopeo-service"), context)).toEqual({
      kind: "no-container",
      reason: "container skopeo-service does not exist",
      fix: "create it: docker run …",
    });
  });

  it("404 no such image says skopush never pulls", () => {
    expect(classifyDockerApiError(httpError(404, "No such image: quay.io/skopeo/stable:latest"), context)).toMatchObject({ kind: "no-image", fix: expect.stringContaining("never pulls") });
  });

  it("409 stopped, paused, and a name conflict", () => {
    expect(classifyDockerApiError(httpError(409, "Container abc is not running"), context)).toMatchObject({ kind: "not-running", fix: "docker start skopeo-service" });
    expect(classifyDockerApiError(httpError(409, "Container abc is paused, unpause the container before exec"), context)).toMatchObject({ kind: "paused", fix: "docker unpause skopeo-service" });
    expect(classifyDockerApiError(httpError(409, 'Conflict. The container name "/skopeo-service" is already in use'), context).kind).toBe("name-conflict");
  });

  it("a missing shell in the image", () => {
    const error = new Error('OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown');
    expect(classifyDockerApiError(error, context)).toMatchObject({ kind: "no-shell", fix: expect.stringContaining("quay.io/skopeo/stable") });
  });

  it("unusable connection settings say how to set DOCKER_HOST", () => {
    expect(classifyDockerApiError(new DockerHostInvalid("DOCKER_HOST=ftp://x: unsupported scheme ftp"), context)).toMatchObject({
      kind: "bad-connection",
      reason: "the Docker connection settings cannot be used: DOCKER_HOST=ftp://x: unsupported scheme ftp",
    });
  });

  it("anything else keeps the daemon's message", () => {
    expect(classifyDockerApiError(httpError(500, "something odd"), context)).toEqual({
      kind: "unknown",
      reason: "the Docker daemon at unix:///var/run/docker.sock answered HTTP 500: something odd",
    });
  });
});
