import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPingTimeoutMs, DockerodePushStrategy } from "../src/index.js";

// Real Unix-socket servers stand in for a daemon: one slowed down as on a loaded machine (its ping takes
// a second, longer than the 200 ms limit that made a working daemon "unavailable" there), one that
// accepts and never answers (a hung daemon), and a path nobody listens on.

const SLOW_PING_MS = 1_000;

const failure = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? (Cause.squash(exit.cause) as Error) : undefined);

const listen = async (path: string, handler: Parameters<typeof createServer>[1]): Promise<Server> => {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
};

describe("the dockerode strategy's daemon ping", () => {
  let dir: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "skopush-ping-timeout-"));
  });

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await rm(dir, { recursive: true, force: true });
  });

  const strategyAt = (socket: string) =>
    new DockerodePushStrategy({ env: { DOCKER_HOST: `unix://${socket}` }, containerName: "skopush-ping-test", autoCreate: false, sharedDir: { hostPath: dir } });

  it("defaults to 3 s on a local socket or pipe and 5 s over the network", () => {
    expect(defaultPingTimeoutMs("unix:///var/run/docker.sock")).toBe(3_000);
    expect(defaultPingTimeoutMs("npipe:////./pipe/docker_engine")).toBe(3_000);
    expect(defaultPingTimeoutMs("http://10.0.0.5:2375")).toBe(5_000);
    expect(defaultPingTimeoutMs("ssh://me@10.0.0.5")).toBe(5_000);
  });

  it("a daemon slowed down by load still passes the ping: the probe goes on to the container", async () => {
    const socket = join(dir, "slow.sock");
    servers.push(
      await listen(socket, (request, response) => {
        if (request.url?.startsWith("/_ping")) return void setTimeout(() => response.end("OK"), SLOW_PING_MS);
        response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "No such container: skopush-ping-test" }));
      }),
    );
    const error = failure(await Effect.runPromiseExit(strategyAt(socket).probe()));
    expect(error?.message).toContain("container skopush-ping-test does not exist");
    expect(error?.message).not.toContain("does not answer");
  });

  it("a hung daemon is unavailable, saying it gave no answer within the limit", async () => {
    const socket = join(dir, "hung.sock");
    servers.push(await listen(socket, () => undefined));
    const error = failure(await Effect.runPromiseExit(strategyAt(socket).probe()));
    expect((error as { _tag?: string } | undefined)?._tag).toBe("StrategyUnavailable");
    expect(error?.message).toContain(`the Docker daemon at unix://${socket} does not answer`);
    expect(error?.message).toContain("no answer within 3000 ms");
  });

  it("a socket nobody listens on is unavailable from ENOENT, not from the limit", async () => {
    const socket = join(dir, "absent.sock");
    const error = failure(await Effect.runPromiseExit(strategyAt(socket).probe()));
    expect(error?.message).toContain(`the Docker daemon at unix://${socket} does not answer (ENOENT`);
  });
});
