import http from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import { makeCredentials, type PushError } from "@skopush/core";
import { HarborClient, HarborCredentialsProvider, TokenServiceCredentialsVerifier } from "@skopush/credentials-harbor";
import { Cause, Effect, Exit } from "effect";
import { afterEach, describe, expect, it } from "vitest";

// Each component of this package that sends credentials, against servers on 127.0.0.1 reached under
// names the credentials rule takes for hosts elsewhere (the transport's lookup seam maps them here).
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};
const transport = { lookup: toLoopback };
const USER = "admin";
const PASSWORD = "Harbor:12$45";
const credentials = makeCredentials(USER, PASSWORD);
const NO_RETRY = { times: 0, baseDelayMs: 1, maxDelayMs: 1 };

const servers: http.Server[] = [];
/** A fake Harbor (API, `/v2/` and token service) on 127.0.0.1 that records every request's Authorization. */
const fakeHarbor = async (realmHost: (port: number) => string) => {
  const seen: { path: string; authorization: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/v2/") {
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://${realmHost(port)}/service/token",service="harbor-registry"` }).end();
    } else if (path === "/service/token") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"token":"t","expires_in":1800}');
    } else if (path === "/api/v2.0/projects" && req.method === "HEAD") {
      res.writeHead(200).end();
    } else if (path === "/api/v2.0/systeminfo") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"auth_mode":"db_auth"}');
    } else if (path === "/api/v2.0/robots" && req.method === "POST") {
      res.writeHead(201, { "content-type": "application/json" }).end('{"id":7,"name":"robot$p+skopush-1","secret":"s"}');
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, seen, withCredentials: () => seen.filter((s) => s.authorization !== undefined) };
};
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const failure = <A>(exit: Exit.Exit<A, unknown>): PushError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure");
  return Cause.squash(exit.cause) as PushError;
};
const resolveWith = (provider: HarborCredentialsProvider) =>
  Effect.runPromiseExit(Effect.scoped(provider.resolve({ registry: provider.registry, repository: "p/app" })));

describe("HarborClient and the credentials rule", () => {
  it("sends no Basic credentials to a plain-http Harbor off this machine (projectExists, ensureProject, createRobot)", async () => {
    const harbor = await fakeHarbor((port) => `harbor.example.test:${port}`);
    const client = new HarborClient({ url: `http://harbor.example.test:${harbor.port}`, credentials, retry: NO_RETRY, transport });
    for (const call of [client.projectExists("p"), client.ensureProject("p"), client.createRobot({ project: "p", name: "x", durationDays: 1 })]) {
      const error = failure(await Effect.runPromiseExit(call as Effect.Effect<unknown, PushError>));
      expect(error).toMatchObject({ _tag: "AuthenticationFailed", username: USER });
      expect(error.message).toContain("plain http");
    }
    expect(harbor.seen).toEqual([]);
  });

  it("sends them after the explicit opt-out (insecure), so the seam really reaches the server", async () => {
    const harbor = await fakeHarbor((port) => `harbor.example.test:${port}`);
    const client = new HarborClient({ url: `http://harbor.example.test:${harbor.port}`, credentials, tls: { insecure: true }, retry: NO_RETRY, transport });
    expect(await Effect.runPromise(client.projectExists("p"))).toBe(true);
    expect(harbor.withCredentials()).toHaveLength(1);
  });
});

describe("HarborCredentialsProvider and the credentials rule", () => {
  it("validation asks no plain-http token realm off this machine with the credentials", async () => {
    // Harbor itself on loopback (allowed); its token realm elsewhere over plain http (refused).
    const harbor = await fakeHarbor((port) => `realm.example.test:${port}`);
    const provider = new HarborCredentialsProvider({ url: `http://127.0.0.1:${harbor.port}`, credentials: { username: USER, password: PASSWORD }, retry: NO_RETRY, transport });
    const error = failure(await resolveWith(provider));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed" });
    expect(error.message).toContain("plain http");
    expect(harbor.withCredentials()).toEqual([]);
  });

  it("ensureProject and ephemeralRobot send nothing to a plain-http Harbor off this machine", async () => {
    const harbor = await fakeHarbor((port) => `harbor.example.test:${port}`);
    for (const extra of [{ ensureProject: true }, { ephemeralRobot: true }]) {
      const provider = new HarborCredentialsProvider({
        url: `http://harbor.example.test:${harbor.port}`,
        credentials: { username: USER, password: PASSWORD },
        validate: false,
        retry: NO_RETRY,
        transport,
        ...extra,
      });
      expect(failure(await resolveWith(provider))).toMatchObject({ _tag: "AuthenticationFailed" });
    }
    expect(harbor.withCredentials()).toEqual([]);
  });
});

describe("TokenServiceCredentialsVerifier and the credentials rule", () => {
  it("does not ask a plain-http token realm off this machine about the credentials", async () => {
    const harbor = await fakeHarbor((port) => `realm.example.test:${port}`);
    const verifier = new TokenServiceCredentialsVerifier({ transport });
    // The registry on loopback over plain http (as a loopback registry may be); verification stays on.
    const refusal = await Effect.runPromise(
      verifier.refusal({ registry: `127.0.0.1:${harbor.port}`, credentials, tls: { verify: true } }),
    );
    expect(refusal).toBeUndefined();
    expect(harbor.seen.map((s) => s.path)).toEqual(["/v2/"]);
    expect(harbor.withCredentials()).toEqual([]);
  });
});
