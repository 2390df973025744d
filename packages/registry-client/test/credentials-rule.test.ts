import http from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import { makeCredentials, type PushError } from "@skopush/core";
import { Cause, Effect, Exit } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { basicAuthorization } from "../src/auth/basic.js";
import { pushScopes } from "../src/auth/scope.js";
import { TokenCache } from "../src/auth/token-cache.js";
import { mayCarryCredentials } from "../src/credentials-rule.js";
import { RegistryClient } from "../src/registry-client.js";
import { resolveTransportOptions, Transport, type TransportOptions } from "../src/transport/transport.js";

// Names that look like hosts elsewhere but resolve, through the transport's lookup seam, to 127.0.0.1:
// the rule sees a non-loopback host, and no byte ever leaves this machine.
export const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

const credentials = makeCredentials("robot$proj+ci", "pa:ss$word");
const servers: http.Server[] = [];
/** A server on 127.0.0.1 that records the Authorization of every request. */
const recording = async (answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.writeHead(200).end("{}")) => {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    answer(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, seen };
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

describe("the credentials rule", () => {
  it("allows https anywhere, plain http to loopback, and plain http anywhere only after the TLS opt-out", () => {
    const verify = { verify: true };
    expect(mayCarryCredentials(new URL("https://harbor.example.com/service/token"), verify)).toBe(true);
    expect(mayCarryCredentials(new URL("http://127.0.0.1:5000/"), verify)).toBe(true);
    expect(mayCarryCredentials(new URL("http://localhost:5000/"), verify)).toBe(true);
    expect(mayCarryCredentials(new URL("http://harbor.example.com/service/token"), verify)).toBe(false);
    expect(mayCarryCredentials(new URL("http://10.0.0.5:8080/"), verify)).toBe(false);
    expect(mayCarryCredentials(new URL("http://harbor.example.com/service/token"), { verify: false })).toBe(true);
    // The loopback decision is one function: a test (or a caller) can hand in its own.
    expect(mayCarryCredentials(new URL("http://127.0.0.1:5000/"), verify, () => false)).toBe(false);
  });
});

describe("Transport.send and the rule", () => {
  const transport = (verify: boolean, options: TransportOptions = {}) =>
    Transport.make({ registry: "realm.example.test", trust: { verify }, options: resolveTransportOptions({ keepAlive: false, lookup: toLoopback, ...options }) });

  it("withholds credentials from a plain-http host off this machine: nothing reaches the server", async () => {
    const server = await recording();
    const url = new URL(`http://realm.example.test:${server.port}/service/token`);
    const error = failure(await Effect.runPromiseExit(Effect.flatMap(transport(true), (t) => t.send({ method: "GET", url }, basicAuthorization(credentials)))));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", username: credentials.username });
    expect(error.message).toContain("plain http");
    expect(server.seen).toEqual([]);
  });

  it("sends them there once TLS verification was turned off, and always without credentials (the seam reaches the server)", async () => {
    const server = await recording();
    const url = new URL(`http://realm.example.test:${server.port}/service/token`);
    await Effect.runPromise(Effect.flatMap(transport(false), (t) => t.send({ method: "GET", url }, basicAuthorization(credentials))));
    await Effect.runPromise(Effect.flatMap(transport(true), (t) => t.send({ method: "GET", url })));
    expect(server.seen).toEqual([basicAuthorization(credentials).header, undefined]);
  });

  it("refuses an Authorization header smuggled past the rule", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(transport(true), (t) => t.send({ method: "GET", url: new URL("http://127.0.0.1:9/"), headers: { Authorization: "Basic x" } })),
    );
    expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true);
  });
});

describe("RegistryClient and the rule", () => {
  const connect = (host: string, options: TransportOptions = {}) =>
    Effect.runPromiseExit(
      Effect.scoped(
        RegistryClient.connect(
          { host, repository: "proj/app", credentials, tls: { verify: true }, transport: resolveTransportOptions({ lookup: toLoopback, ...options }), scopes: pushScopes("proj/app") },
          new TokenCache(),
        ),
      ),
    );

  it("fetches no token with credentials from a plain-http realm off this machine", async () => {
    const realm = await recording((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"token":"t"}'));
    const registry = await recording((_req, res) =>
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://realm.example.test:${realm.port}/service/token",service="harbor-registry"` }).end(),
    );
    const error = failure(await connect(`127.0.0.1:${registry.port}`));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed" });
    expect(error.message).toContain(`http://realm.example.test:${realm.port} is plain http`);
    expect(realm.seen).toEqual([]);
  });

  it("sends Basic credentials only where the rule allows (here the loopback decision says no)", async () => {
    const registry = await recording((req, res) => (req.headers.authorization ? res.writeHead(200).end("{}") : res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end()));
    const error = failure(await connect(`127.0.0.1:${registry.port}`, { isLoopback: () => false }));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed" });
    expect(registry.seen).toEqual([undefined]);
  });
});
