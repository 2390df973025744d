import http from "node:http";
import type { AddressInfo } from "node:net";
import { Cause, Effect, Exit } from "effect";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { PushError } from "@skopush/core";
import { pushScopes } from "../src/auth/scope.js";
import { TokenCache } from "../src/auth/token-cache.js";
import { RegistryClient } from "../src/registry-client.js";
import { resolveTransportOptions } from "../src/transport/transport.js";

// A registry that speaks only plain HTTP, reached with TLS verification on and no http fallback: what a
// registry off this machine gets (loopback ones may fall back, as Docker allows). The scheme rule is
// replaced so that a server on 127.0.0.1 stands in for one elsewhere.
vi.mock("../src/endpoint.js", async (original) => ({
  ...(await original<typeof import("../src/endpoint.js")>()),
  candidateSchemes: () => ["https"],
}));

const server = http.createServer((_req, res) => res.writeHead(200).end("{}"));
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("RegistryClient and a plain-HTTP registry, TLS verification on", () => {
  it("fails with TlsVerificationFailed saying the registry speaks plain HTTP (not a retried RegistryUnreachable with an OpenSSL dump)", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        RegistryClient.connect(
          {
            host,
            repository: "proj/app",
            credentials: undefined,
            tls: { verify: true },
            transport: resolveTransportOptions(),
            scopes: pushScopes("proj/app"),
            archivePath: "/tmp/app.tar",
          },
          new TokenCache(),
        ),
      ),
    );
    expect(Exit.isFailure(exit)).toBe(true);
    const error = Exit.isFailure(exit) ? (Cause.squash(exit.cause) as PushError) : undefined;
    expect(error?._tag).toBe("TlsVerificationFailed");
    expect(error?.message).toContain("the registry answered in plain HTTP where HTTPS was required");
    expect(error?.message).toContain("tls: { verify: false }");
    expect(error?.isRetryable).toBe(false);
  });
});
