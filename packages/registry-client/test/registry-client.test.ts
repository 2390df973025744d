import http from "node:http";
import type { AddressInfo } from "node:net";
import { Cause, Effect, Exit } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { isPushError, makeCredentials, type Credentials, type PushError } from "@skopush/core";
import { pushScopes } from "../src/auth/scope.js";
import { TokenCache } from "../src/auth/token-cache.js";
import { RegistryClient } from "../src/registry-client.js";
import { resolveTransportOptions } from "../src/transport/transport.js";

// Fake servers on loopback: enough of a registry and a token service to pin the client's auth rules.
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const servers: http.Server[] = [];
const serve = async (handler: Handler): Promise<string> => {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
};
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const USER = "robot$proj+ci";
const PASSWORD = "pa:ss$word";
const credentials = makeCredentials(USER, PASSWORD);
const basicOf = (header: string | undefined) => (header?.startsWith("Basic ") ? Buffer.from(header.slice(6), "base64").toString("utf8") : undefined);

interface TokenCall {
  readonly basic: string | undefined;
  readonly scopes: string[];
  readonly service: string | null;
  readonly account: string | null;
}

/** A token service: hands out `tokens()` in turn and records every request. */
const tokenService = async (issue: (call: TokenCall) => { status: number; body?: unknown }) => {
  const calls: TokenCall[] = [];
  const host = await serve((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const call = { basic: basicOf(req.headers.authorization), scopes: url.searchParams.getAll("scope"), service: url.searchParams.get("service"), account: url.searchParams.get("account") };
    calls.push(call);
    const answer = issue(call);
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
  });
  return { realm: `http://${host}/service/token`, calls };
};

/** A registry that wants `Bearer <accepted()>`, and answers 200 to every authorized call. */
const bearerRegistry = async (realm: string, accepted: () => ReadonlySet<string>, onRequest?: (req: http.IncomingMessage) => void) => {
  const seen: { path: string; authorization: string | undefined }[] = [];
  const host = await serve((req, res) => {
    seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
    onRequest?.(req);
    const token = req.headers.authorization?.replace(/^Bearer /, "");
    if (token !== undefined && accepted().has(token)) {
      res.writeHead(200).end("{}");
      return;
    }
    res.writeHead(401, { "www-authenticate": `Bearer realm="${realm}",service="harbor-registry"`, "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "unauthorized to access repository: proj/app, action: push" }] }));
  });
  return { host, seen };
};

/** `who: null` connects anonymously. */
const connect = (host: string, tokens: TokenCache, who: Credentials | null = credentials, verify = true) =>
  RegistryClient.connect(
    {
      host,
      repository: "proj/app",
      credentials: who ?? undefined,
      tls: { verify },
      transport: resolveTransportOptions(),
      scopes: pushScopes("proj/app"),
      archivePath: "/tmp/app.tar",
    },
    tokens,
  );

const run = <A>(effect: Effect.Effect<A, PushError, import("effect").Scope.Scope>) => Effect.runPromiseExit(Effect.scoped(effect));
const failureOf = (exit: Exit.Exit<unknown, PushError>): PushError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure");
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "None" || !isPushError(error.value)) throw new Error(Cause.pretty(exit.cause));
  return error.value;
};
const head = (client: RegistryClient) => client.call({ operation: "blob-check", method: "HEAD", url: "/v2/proj/app/blobs/sha256:1" });

describe("RegistryClient: Bearer tokens", () => {
  it("fetches one token for repository:<name>:pull,push with Basic credentials (split on the first ':'), and reuses it", async () => {
    const service = await tokenService(() => ({ status: 200, body: { token: "tok-1", access_token: "", expires_in: 300 } }));
    const registry = await bearerRegistry(service.realm, () => new Set(["tok-1"]));
    const exit = await run(
      Effect.gen(function* () {
        const client = yield* connect(registry.host, new TokenCache());
        const a = yield* head(client);
        const b = yield* head(client);
        return [a.status, b.status, client.origin];
      }),
    );
    expect(Exit.isSuccess(exit) && exit.value).toEqual([200, 200, `http://${registry.host}`]);
    expect(service.calls).toEqual([{ basic: `${USER}:${PASSWORD}`, scopes: ["repository:proj/app:pull,push"], service: "harbor-registry", account: USER }]);
  });

  it("refreshes once a cached token the registry refuses (expired or revoked), then goes on", async () => {
    let issued = 0;
    const service = await tokenService(() => ({ status: 200, body: { token: `tok-${++issued}`, expires_in: 1800 } }));
    let accepted = new Set(["tok-1"]);
    const registry = await bearerRegistry(service.realm, () => accepted);
    const tokens = new TokenCache();
    expect(Exit.isSuccess(await run(connect(registry.host, tokens)))).toBe(true);
    accepted = new Set(["tok-2"]); // the registry no longer takes the cached token
    const exit = await run(Effect.flatMap(connect(registry.host, tokens), (client) => head(client)));
    expect(Exit.isSuccess(exit) && exit.value.status).toBe(200);
    expect(service.calls).toHaveLength(2);
  });

  it("does not loop when a token it just fetched is refused: valid credentials → AccessDenied", async () => {
    const service = await tokenService((call) => (call.scopes.length === 0 ? { status: 200, body: { token: "login" } } : { status: 200, body: { token: "weak", expires_in: 1800 } }));
    const registry = await bearerRegistry(service.realm, () => new Set(["nothing-is-enough"]));
    const error = failureOf(await run(Effect.flatMap(connect(registry.host, new TokenCache()), (client) => head(client))));
    expect(error._tag).toBe("AccessDenied");
    // Harbor answers a missing project like missing rights: the fix names both.
    expect(error.message).toContain("Fix: check that project proj exists");
    // The push token once, then the scope-less credentials check once: no refresh loop.
    expect(service.calls.map((c) => c.scopes)).toEqual([["repository:proj/app:pull,push"], []]);
  });

  it("tells a wrong password (Harbor hands out an anonymous token) from missing rights: AuthenticationFailed", async () => {
    const service = await tokenService((call) => (call.scopes.length === 0 ? { status: 401 } : { status: 200, body: { token: "anonymous", expires_in: 1800 } }));
    const registry = await bearerRegistry(service.realm, () => new Set());
    const error = failureOf(await run(Effect.flatMap(connect(registry.host, new TokenCache()), (client) => head(client))));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", username: USER });
    expect(error.message).not.toContain(PASSWORD);
  });

  it("fails at once when the token service refuses the credentials", async () => {
    const service = await tokenService(() => ({ status: 401, body: { errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] } }));
    const registry = await bearerRegistry(service.realm, () => new Set());
    expect(failureOf(await run(connect(registry.host, new TokenCache())))._tag).toBe("AuthenticationFailed");
    expect(registry.seen.map((s) => s.path)).toEqual(["/v2/"]);
  });

  it("never sends credentials to a plain-http token realm off this machine", async () => {
    const registry = await bearerRegistry("http://token.example.invalid/service/token", () => new Set());
    const error = failureOf(await run(connect(registry.host, new TokenCache())));
    expect(error._tag).toBe("AuthenticationFailed");
    expect(error.message).toContain("plain http");
  });
});

describe("RegistryClient: Basic, anonymous and redirects", () => {
  const basicRegistry = async () => {
    const seen: (string | undefined)[] = [];
    const host = await serve((req, res) => {
      seen.push(basicOf(req.headers.authorization));
      if (basicOf(req.headers.authorization) === `${USER}:${PASSWORD}`) res.writeHead(200).end("{}");
      else res.writeHead(401, { "www-authenticate": 'Basic realm="test-basic"' }).end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
    });
    return { host, seen };
  };

  it("checks Basic credentials at connect and sends them on every request", async () => {
    const registry = await basicRegistry();
    const exit = await run(Effect.flatMap(connect(registry.host, new TokenCache()), (client) => head(client)));
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(registry.seen).toEqual([undefined, `${USER}:${PASSWORD}`, `${USER}:${PASSWORD}`]);
  });

  it("fails a wrong Basic password at connect, before any repository call", async () => {
    const registry = await basicRegistry();
    const error = failureOf(await run(connect(registry.host, new TokenCache(), makeCredentials(USER, "wrong:one"))));
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", username: USER });
    expect(registry.seen).toHaveLength(2);
  });

  it("asks for credentials when a Basic registry gets none", async () => {
    const registry = await basicRegistry();
    expect(failureOf(await run(connect(registry.host, new TokenCache(), null)))._tag).toBe("AuthenticationFailed");
  });

  it("follows redirects, but sends Authorization only to the registry's own origin", async () => {
    const storage: (string | undefined)[] = [];
    const other = await serve((req, res) => {
      storage.push(req.headers.authorization);
      res.writeHead(200).end("config");
    });
    const host = await serve((req, res) => {
      if (basicOf(req.headers.authorization) !== `${USER}:${PASSWORD}`) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
        return;
      }
      if (req.url === "/v2/proj/app/blobs/sha256:away") res.writeHead(307, { location: `http://${other}/storage/blob?sig=1` }).end();
      else if (req.url === "/v2/proj/app/blobs/sha256:here") res.writeHead(302, { location: "/v2/proj/app/blobs/sha256:moved" }).end();
      else res.writeHead(200).end("same origin");
    });
    const exit = await run(
      Effect.gen(function* () {
        const client = yield* connect(host, new TokenCache());
        const away = yield* client.call({ operation: "config-read", method: "GET", url: "/v2/proj/app/blobs/sha256:away" });
        const here = yield* client.call({ operation: "config-read", method: "GET", url: "/v2/proj/app/blobs/sha256:here" });
        return [away.body.toString(), here.body.toString()];
      }),
    );
    expect(Exit.isSuccess(exit) && exit.value).toEqual(["config", "same origin"]);
    expect(storage).toEqual([undefined]);
  });

  it("reaches a plain-http registry on loopback although TLS verification is on (https is tried first)", async () => {
    const host = await serve((_req, res) => res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end("{}"));
    const exit = await run(Effect.map(connect(host, new TokenCache(), null, true), (client) => client.origin));
    expect(Exit.isSuccess(exit) && exit.value).toBe(`http://${host}`);
  });

  it("classifies a refused connection as RegistryUnreachable", async () => {
    const host = await serve((_req, res) => res.end());
    const port = host.split(":")[1];
    servers.pop()?.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failureOf(await run(connect(`127.0.0.1:${port}`, new TokenCache())))._tag).toBe("RegistryUnreachable");
  });
});
