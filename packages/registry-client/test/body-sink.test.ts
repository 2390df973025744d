import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeAgents, sendRequest } from "../src/index.js";

const blob = randomBytes(3 << 20);
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/blob") return void res.writeHead(200, { "content-length": String(blob.length) }).end(blob);
    res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"BLOB_UNKNOWN"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const TIMEOUTS = { connectTimeoutMs: 5_000, responseTimeoutMs: 5_000, idleTimeoutMs: 5_000 };

/** A sink that keeps what it is given, slowly (backpressure), and how often it was opened. */
const collector = () => {
  const chunks: Buffer[] = [];
  let opened = 0;
  const open = () => {
    opened++;
    return new Writable({
      highWaterMark: 16 << 10,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        setImmediate(callback);
      },
    });
  };
  return { open, bytes: () => Buffer.concat(chunks), opened: () => opened };
};

describe("sendRequest with a body sink", () => {
  it("streams a 2xx body into the sink, whole and in order, keeping none of it", async () => {
    const agents = await Effect.runPromise(makeAgents({ host: "x", trust: { verify: true }, systemCertDirs: false, keepAlive: false, maxSockets: 1 }));
    const sink = collector();
    const response = await Effect.runPromise(sendRequest(agents, TIMEOUTS, { method: "GET", url: new URL(`${base}/blob`), openBodySink: sink.open }));
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(0);
    expect(sink.opened()).toBe(1);
    expect(sink.bytes().equals(blob)).toBe(true);
    agents.destroy();
  });

  it("keeps an error answer's body for classification and never opens the sink", async () => {
    const agents = await Effect.runPromise(makeAgents({ host: "x", trust: { verify: true }, systemCertDirs: false, keepAlive: false, maxSockets: 1 }));
    const sink = collector();
    const response = await Effect.runPromise(sendRequest(agents, TIMEOUTS, { method: "GET", url: new URL(`${base}/missing`), openBodySink: sink.open }));
    expect(response.status).toBe(404);
    expect(response.body.toString("utf8")).toContain("BLOB_UNKNOWN");
    expect(sink.opened()).toBe(0);
    agents.destroy();
  });
});
