import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { assertBuilt, startCli, waitUntil } from "../spawn-cli.js";

// Issue 14.5: with DOCKER_HOST=ssh:// to a host that never answers, the command printed its result
// after the probe's 5 s and then lingered another 15 s: ssh2 kept waiting for its handshake (20 s). A
// finished command must end once its output is out. The "host" is a listener on 127.0.0.1 that accepts
// and never says a byte.

let silent: net.Server;
let port: number;
let dir: string;
let archive: string;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  assertBuilt();
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as AddressInfo).port;
  dir = await mkdtemp(join(tmpdir(), "skopush-linger-"));
  archive = (await writeImageArchive(join(dir, "app.tar"), { format: "docker-legacy", layers: 1, layerSize: 1024, seed: `linger-${randomBytes(4).toString("hex")}` })).path;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a DOCKER_HOST=ssh:// host that accepts and never answers", () => {
  it("the command ends right after printing its result (StrategyUnavailable → NoStrategyAvailable, exit 1)", async () => {
    const cli = startCli(["push", archive, "127.0.0.1:1/linger/app:v1", "--strategy", "dockerode", "--json"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, DOCKER_HOST: `ssh://nobody@127.0.0.1:${port}` },
    });
    await waitUntil(() => cli.stdout().includes("\n"), "the JSON result", 60_000);
    const printed = Date.now();
    const run = await cli.done;
    const lingered = Date.now() - printed;

    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ status: "error", error: "NoStrategyAvailable" });
    expect(sockets.size).toBeGreaterThan(0); // the ssh connection was really made, and got nothing
    // Before the fix: about 15 000 ms. The bound leaves room for a loaded machine.
    expect(lingered).toBeLessThan(5_000);
  });
});
