import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyDockerApiError } from "../src/classify-error.js";
import { dockerConnectionFromEnv, type DockerConnectionHost } from "../src/docker-connection.js";
import { plainEngineGet, plainEngineTarget } from "../src/plain-engine-get.js";

const host: DockerConnectionHost = { platform: "linux", homeDir: "/home/u", exists: () => true, readFile: () => Buffer.from("PEM") };
const context = { endpoint: "unix:///x.sock", container: "skopeo-service", createCommand: "docker run …" };

describe("plainEngineTarget", () => {
  it("answers a socket path for unix sockets and named pipes, host and port for plain http", () => {
    expect(plainEngineTarget(dockerConnectionFromEnv({}, host))).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(plainEngineTarget(dockerConnectionFromEnv({ DOCKER_HOST: "npipe:////./pipe/x" }, host))).toEqual({ socketPath: "//./pipe/x" });
    expect(plainEngineTarget(dockerConnectionFromEnv({ DOCKER_HOST: "tcp://10.0.0.5:2375" }, host))).toEqual({ host: "10.0.0.5", port: 2375 });
  });

  it("leaves TLS and ssh connections to dockerode", () => {
    expect(plainEngineTarget(dockerConnectionFromEnv({ DOCKER_HOST: "tcp://10.0.0.5", DOCKER_TLS_VERIFY: "1" }, host))).toBeUndefined();
    expect(plainEngineTarget(dockerConnectionFromEnv({ DOCKER_HOST: "ssh://me@10.0.0.5" }, host))).toBeUndefined();
  });
});

describe("plainEngineGet over a Unix socket", () => {
  let dir: string;
  let server: Server;
  let socketPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "skopush-plain-engine-"));
    socketPath = join(dir, "engine.sock");
    server = createServer((request, response) => {
      if (request.url === "/_ping") return void response.end("OK");
      if (request.url === "/containers/skopeo-service/json") return void response.end(JSON.stringify({ Name: "/skopeo-service" }));
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "No such container: gone" }));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("answers the body of a 2xx answer", async () => {
    await expect(plainEngineGet({ socketPath }, "/_ping")).resolves.toBe("OK");
    expect(JSON.parse(await plainEngineGet({ socketPath }, "/containers/skopeo-service/json"))).toEqual({ Name: "/skopeo-service" });
  });

  it("rejects an HTTP error as dockerode does, so the classifier reads it the same way", async () => {
    const error = await plainEngineGet({ socketPath }, "/containers/gone/json").catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 404, json: { message: "No such container: gone" } });
    expect(classifyDockerApiError(error, context).kind).toBe("no-container");
  });

  it("rejects with the connection error's code when nobody listens", async () => {
    const error = await plainEngineGet({ socketPath: join(dir, "absent.sock") }, "/_ping").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ENOENT" });
    expect(classifyDockerApiError(error, context).kind).toBe("daemon-down");
  });

  it("stops at the signal's abort", async () => {
    const stalled = createServer(() => undefined);
    const stalledPath = join(dir, "stalled.sock");
    await new Promise<void>((resolve) => stalled.listen(stalledPath, resolve));
    try {
      const error = await plainEngineGet({ socketPath: stalledPath }, "/_ping", AbortSignal.timeout(50)).catch((e: unknown) => e);
      expect((error as Error).name).toBe("AbortError");
    } finally {
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });
});
