import { mkdir } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePusher } from "@skopush/core";
import { loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { entriesOf, startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { createDefaultContainer, type StrategyName } from "skopush";
import { describeResult, scratch, settingsFor, STRATEGIES, uniqueImage, uniqueRepository } from "./support.js";

// Red team of issue 13.3: a registry names a plain-http token realm on another host. The registry strategy
// withheld the credentials, but the skopeo strategies' pre-flight only pinged /v2/ and skopeo sent
// `Authorization: Basic …` to the realm. `[::ffff:127.0.0.1]` stands for "another host": the credentials
// rule calls it non-loopback (it is no loopback name), while every connection still goes to 127.0.0.1.

interface Recorded {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;
let tokenServer: Server;
let registryServer: Server;
const tokenRequests: Recorded[] = [];
let registryHost: string;

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = await scratch("token-realm");
  resident = await startResidentContainer({ image: environment.skopeoImage });
  tokenServer = createServer((request, response) => {
    tokenRequests.push({ url: request.url ?? "", headers: request.headers });
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ token: "granted", access_token: "granted" }));
  });
  const tokenPort = await listen(tokenServer);
  registryServer = createServer((request, response) => {
    response.setHeader("docker-distribution-api-version", "registry/2.0");
    if (request.headers.authorization === "Bearer granted" && request.url === "/v2/") return void response.end("{}");
    response.statusCode = 401;
    response.setHeader("www-authenticate", `Bearer realm="http://[::ffff:127.0.0.1]:${tokenPort}/token",service="elsewhere"`);
    response.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
  });
  registryHost = `127.0.0.1:${await listen(registryServer)}`;
});

afterAll(async () => {
  registryServer?.close();
  tokenServer?.close();
  await resident?.remove();
  await work?.cleanup();
});

describe.each<StrategyName>(STRATEGIES)("%s, to a registry whose token realm is plain http on another host", (strategy) => {
  it("fails with AuthenticationFailed before any credential is sent, and leaves nothing", async () => {
    const dirs = { tempDirectory: join(work.dir, `tmp-${strategy}`), cacheDirectory: join(work.dir, `cache-${strategy}`) };
    await mkdir(dirs.tempDirectory);
    await mkdir(dirs.cacheDirectory);
    const image = await uniqueImage(work.dir, `realm-${strategy}`);
    const repository = uniqueRepository(`realm-${strategy}`);
    const container = createDefaultContainer({ order: [strategy], strategies: settingsFor(resident, dirs), credentialsProviders: false });
    const before = tokenRequests.length;
    const result = await resolvePusher(container).push({
      archive: image.path,
      destination: `${registryHost}/${repository}:v1`,
      credentials: { username: "victim", password: "realm-secret-S3cret" },
    });

    const sent = tokenRequests.slice(before).filter((request) => request.headers.authorization !== undefined);
    expect(sent.map((request) => `${request.url} ${request.headers.authorization}`)).toEqual([]);
    expect(result.status, describeResult(result)).toBe("error");
    expect(result).toMatchObject({ error: "AuthenticationFailed" });
    expect(result.status === "error" && result.message).toContain("is plain http; skopush does not send credentials there");
    expect([...entriesOf(dirs.tempDirectory), ...resident.leftovers()]).toEqual([]);
  });
});
