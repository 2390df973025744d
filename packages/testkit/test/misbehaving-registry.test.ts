import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startMisbehavingRegistry, WEB_PAGE, type MisbehavingRegistry } from "../src/hardening/misbehaving-registry.js";

interface Outcome {
  readonly status?: number;
  readonly headers?: http.IncomingHttpHeaders;
  readonly body?: string;
  readonly error?: string;
  readonly timedOut?: boolean;
}

/** One request with a deadline; what came back (or the error, or that nothing came in time). */
const ask = (url: string, init: { method?: string; body?: Buffer; waitMs?: number } = {}): Promise<Outcome> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let headers: http.IncomingHttpHeaders | undefined;
    const req = http.request(url, { method: init.method ?? "GET", agent: false }, (res) => {
      status = res.statusCode;
      headers = res.headers;
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => (clearTimeout(timer), resolve({ status, headers, body: Buffer.concat(chunks).toString() })));
      res.on("error", (e) => (clearTimeout(timer), resolve({ status, body: Buffer.concat(chunks).toString(), error: e.message })));
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status, headers, body: Buffer.concat(chunks).toString(), timedOut: true });
    }, init.waitMs ?? 1500);
    req.on("error", (e) => (clearTimeout(timer), resolve({ status, body: Buffer.concat(chunks).toString(), error: e.message })));
    req.end(init.body);
  });

let server: MisbehavingRegistry | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("startMisbehavingRegistry", () => {
  it("emulates /v2/ without an upstream when no rule matches", async () => {
    server = await startMisbehavingRegistry();
    const ping = await ask(`${server.url}/v2/`);
    expect(ping.status).toBe(200);
    expect(ping.headers?.["docker-distribution-api-version"]).toBe("registry/2.0");
    expect((await ask(`${server.url}/v2/a/manifests/x`)).status).toBe(404);
    expect(server.requests.map((r) => r.handling)).toEqual(["emulate", "emulate"]);
  });

  it("answers like a web page", async () => {
    server = await startMisbehavingRegistry({ rules: [{ when: "any", act: { kind: "web-page" } }] });
    const answer = await ask(`${server.url}/v2/`);
    expect(answer.status).toBe(200);
    expect(answer.headers?.["content-type"]).toMatch(/^text\/html/);
    expect(answer.body).toBe(WEB_PAGE);
  });

  it("stays silent after the request, and silent at accept", async () => {
    server = await startMisbehavingRegistry({ rules: [{ when: "ping", act: { kind: "silent" } }] });
    expect(await ask(`${server.url}/v2/`, { waitMs: 300 })).toMatchObject({ timedOut: true, status: undefined });
    await server.close();
    server = await startMisbehavingRegistry({ silentOnAccept: true });
    const socket = net.connect(Number(server.host.split(":")[1]), "127.0.0.1");
    const said = await new Promise<string>((resolve) => {
      let got = "";
      socket.on("data", (c: Buffer) => (got += c.toString()));
      socket.write("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n");
      setTimeout(() => (socket.destroy(), resolve(got)), 300);
    });
    expect(said).toBe("");
    expect(server.connections()).toBe(1);
  });

  it("stalls a blob upload after the bytes it read, but answers the ping", async () => {
    server = await startMisbehavingRegistry({ rules: [{ when: "blob-upload", act: { kind: "stall", afterBytes: 4 } }] });
    expect((await ask(`${server.url}/v2/`)).status).toBe(200);
    const upload = await ask(`${server.url}/v2/a/blobs/uploads/u1`, { method: "PATCH", body: Buffer.alloc(64), waitMs: 300 });
    expect(upload).toMatchObject({ timedOut: true, status: undefined });
  });

  it("drip-feeds an answer one byte per interval", async () => {
    server = await startMisbehavingRegistry({ rules: [{ when: "ping", act: { kind: "drip-response", intervalMs: 50 } }] });
    const answer = await ask(`${server.url}/v2/`, { waitMs: 400 });
    expect(answer.status).toBe(200);
    expect(answer.timedOut).toBe(true);
    // "{" then about one space per 50 ms: progress, but slow.
    expect(answer.body?.length).toBeGreaterThan(3);
    expect(answer.body?.length).toBeLessThan(12);
  });

  it("reads a request body one byte per interval, then answers", async () => {
    server = await startMisbehavingRegistry({ rules: [{ when: "blob-upload", act: { kind: "drip-request-body", intervalMs: 20 } }] });
    const started = Date.now();
    const answer = await ask(`${server.url}/v2/a/blobs/uploads/u1`, { method: "PATCH", body: Buffer.alloc(10), waitMs: 3000 });
    expect(answer.status).toBe(404); // the emulated registry knows no upload
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
  });

  it("cuts the connection mid-upload and mid-answer", async () => {
    server = await startMisbehavingRegistry({
      rules: [
        { when: "blob-upload", act: { kind: "cut-request-body", afterBytes: 4 } },
        { when: "manifest-get", act: { kind: "cut-response-body" } },
      ],
    });
    const upload = await ask(`${server.url}/v2/a/blobs/uploads/u1`, { method: "PATCH", body: Buffer.alloc(1 << 20) });
    expect(upload.error).toBeDefined();
    const manifest = await ask(`${server.url}/v2/a/manifests/x`);
    expect(manifest.status).toBe(404);
    expect(manifest.error).toMatch(/aborted/);
  });

  it("replaces the digest of an answer, only as often as the rule says", async () => {
    server = await startMisbehavingRegistry({ rules: [{ when: "ping", act: { kind: "wrong-digest", digest: "sha256:abc" }, times: 1 }] });
    expect((await ask(`${server.url}/v2/`)).headers?.["docker-content-digest"]).toBe("sha256:abc");
    expect((await ask(`${server.url}/v2/`)).headers?.["docker-content-digest"]).toBeUndefined();
  });
});
