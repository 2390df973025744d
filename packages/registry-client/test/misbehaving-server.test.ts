import { Cause, Effect, Exit } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { isPushError, type PushError } from "@skopush/core";
import { startMisbehavingRegistry, type MisbehavingRegistry, type MisbehaviourRule } from "@skopush/testkit/hardening";
import { pushScopes } from "../src/auth/scope.js";
import { TokenCache } from "../src/auth/token-cache.js";
import { verifyPushed } from "../src/read-back.js";
import { RegistryClient } from "../src/registry-client.js";
import { resolveTransportOptions } from "../src/transport/transport.js";

// Each stage of a request ends in bounded time with a Timeout that names the stage and the address,
// and a server that is not a registry is told apart at the first request.
const LIMITS = { connectTimeoutMs: 400, responseTimeoutMs: 400, idleTimeoutMs: 400 };

let server: MisbehavingRegistry | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const connect = (host: string) =>
  RegistryClient.connect(
    { host, repository: "demo/app", tls: { verify: true }, transport: resolveTransportOptions({ timeouts: LIMITS, keepAlive: false }), scopes: pushScopes("demo/app") },
    new TokenCache(),
  );

/** Runs `use` on a client of a server with `rules`; answers the typed error and how long it took. */
const failureOf = async (rules: ReadonlyArray<MisbehaviourRule>, use?: (client: RegistryClient) => Effect.Effect<unknown, PushError>, silentOnAccept = false) => {
  server = await startMisbehavingRegistry({ rules, silentOnAccept });
  const host = server.host;
  const started = Date.now();
  const exit = await Effect.runPromiseExit(Effect.scoped(Effect.flatMap(connect(host), (client) => (use ? use(client) : Effect.void))));
  const ms = Date.now() - started;
  if (Exit.isSuccess(exit)) throw new Error("expected a failure");
  const found = Cause.findErrorOption(exit.cause);
  if (found._tag === "None" || !isPushError(found.value)) throw new Error(`expected a typed error, got ${Cause.pretty(exit.cause)}`);
  return { error: found.value, ms, host };
};

describe("a server that misbehaves", () => {
  it("answers like a web page → NotARegistry at the ping, saying what answered", async () => {
    const { error, host } = await failureOf([{ when: "any", act: { kind: "web-page" } }]);
    expect(error._tag).toBe("NotARegistry");
    expect(error.message).toContain(`${host} is not a container registry`);
    expect(error.message).toContain("200 text/html");
    expect(server?.requests.map((r) => r.path)).toEqual(["/v2/"]);
  });

  it("accepts and stays silent → Timeout of the connect stage that says the connection was made", async () => {
    const { error, ms, host } = await failureOf([], undefined, true);
    expect(error).toMatchObject({ _tag: "Timeout", stage: "connect", afterMs: 400 });
    expect(error.message).toContain(`connected to ${host}, but the TLS handshake got no answer within 400 ms`);
    expect(ms).toBeLessThan(5_000);
  });

  it("takes the request and stays silent → Timeout of the response stage, naming the address", async () => {
    // https is tried first on loopback; this plain-http server refuses the handshake, then gets the GET.
    const { error, ms, host } = await failureOf([{ when: "ping", act: { kind: "silent" } }]);
    expect(error).toMatchObject({ _tag: "Timeout", stage: "response", afterMs: 400 });
    expect(error.message).toContain(`${host} took the GET request but sent no answer within 400 ms`);
    expect(error.message).not.toContain("no connection");
    expect(ms).toBeLessThan(5_000);
  });

  it("stalls an upload → Timeout of the stall stage", async () => {
    const { error, ms } = await failureOf([{ when: "blob-upload", act: { kind: "stall", afterBytes: 0 } }], (client) =>
      client.call({
        operation: "blob-upload",
        method: "PATCH",
        url: "/v2/demo/app/blobs/uploads/u1",
        // Far more than the socket buffers hold, so the stall shows while sending.
        body: { open: () => Buffer.alloc(64 << 20), length: 64 << 20 },
      }),
    );
    expect(error).toMatchObject({ _tag: "Timeout", stage: "stall", afterMs: 400 });
    expect(error.message).toMatch(/the PATCH to 127\.0\.0\.1:\d+ stalled: no progress for 400 ms/);
    expect(ms).toBeLessThan(5_000);
  });

  it("keeps a call's own response limit (the manifest's) apart from the others", async () => {
    const { error } = await failureOf([{ when: "manifest-put", act: { kind: "stall" } }], (client) =>
      client.call({ operation: "manifest-push", method: "PUT", url: "/v2/demo/app/manifests/v1", body: { open: () => Buffer.from("{}") }, responseTimeoutMs: 250 }),
    );
    expect(error).toMatchObject({ _tag: "Timeout", stage: "response", afterMs: 250 });
  });

  it("answers with an oversized WWW-Authenticate → RegistryError (stops the chain) saying so, not StrategyFailed", async () => {
    const { error, host } = await failureOf([{ when: "ping", act: { kind: "huge-challenge" } }]);
    expect(error._tag).toBe("RegistryError");
    expect(error.message).toContain(host);
    expect(error.message).toMatch(/headers larger than this client accepts .*WWW-Authenticate/);
  });

  // Red team of issue 14: a read-back that failed after the manifest PUT said only "reading the current
  // manifest … timed out", though the tag may hold the push.
  const ACCEPTED = `sha256:${"a".repeat(64)}`;
  const readBack = (client: RegistryClient) => verifyPushed(client, "registry", "demo/app", "v1", { digest: ACCEPTED, configDigest: undefined });

  it("a read-back that gets no answer → Timeout saying the registry accepted the manifest", async () => {
    const { error } = await failureOf([{ when: "manifest-get", act: { kind: "silent" } }], readBack);
    expect(error).toMatchObject({ _tag: "Timeout", stage: "response" });
    expect(error.message).toContain(`the registry accepted manifest ${ACCEPTED} for demo/app:v1; reading it back failed: reading the current manifest`);
  });

  it("a read-back whose answer is cut → RegistryUnreachable saying the registry accepted the manifest", async () => {
    const { error } = await failureOf([{ when: "manifest-get", act: { kind: "cut-response-body" } }], readBack);
    expect(error._tag).toBe("RegistryUnreachable");
    expect(error.message).toContain(`the registry accepted manifest ${ACCEPTED} for demo/app:v1; reading it back failed: the connection broke`);
  });
});
