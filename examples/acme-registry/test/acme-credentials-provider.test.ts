import { Effect, Exit, Redacted } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialsProviderContract } from "@skopush/testkit/contracts";
import { startApiKeyRegistry, type ApiKeyRegistry } from "@skopush/testkit/environment";
import { AcmeCredentialsProvider } from "../src/index.js";

const API_KEY = "acme-key-for-ci";
// The exchange alone is exercised here; the registry behind is never reached.
const standIn = () => startApiKeyRegistry({ upstream: { url: "http://127.0.0.1:9" }, apiKeys: [API_KEY] });
const providerFor = (host: string, apiKey = API_KEY) => new AcmeCredentialsProvider({ hosts: [host], scheme: "http", apiKey: () => apiKey });

credentialsProviderContract({
  name: "AcmeCredentialsProvider",
  make: async () => {
    const registry = await standIn();
    return { provider: providerFor(registry.host), knownQuery: { registry: registry.host, repository: "team/app" }, cleanup: registry.close };
  },
  // The exchange makes the password; the username is the one it issued.
  known: { username: /^push-[0-9a-f]{8}$/ },
  unknown: { registry: "registry.example.com", repository: "team/app" },
  misconfigured: {
    make: async () => {
      const registry = await standIn();
      return { provider: providerFor(registry.host, "revoked-key"), knownQuery: { registry: registry.host, repository: "team/app" }, cleanup: registry.close };
    },
    tag: "AuthenticationFailed",
  },
});

describe("AcmeCredentialsProvider", () => {
  let registry: ApiKeyRegistry;
  beforeAll(async () => void (registry = await standIn()));
  afterAll(() => registry.close());

  const resolve = (provider: AcmeCredentialsProvider, host = registry.host) =>
    Effect.runPromiseExit(Effect.scoped(provider.resolve({ registry: host, repository: "team/app" })));

  it("swaps the API key for the short-lived password the exchange issued, asking for the lifetime it was given", async () => {
    const before = registry.exchanges.length;
    const exit = await resolve(new AcmeCredentialsProvider({ hosts: [registry.host], scheme: "http", apiKey: async () => API_KEY, passwordLifetimeSeconds: 120 }));
    if (!Exit.isSuccess(exit) || exit.value === undefined) throw new Error(`expected credentials, got ${String(exit)}`);
    expect(exit.value.username).toMatch(/^push-[0-9a-f]{8}$/);
    expect(Redacted.value(exit.value.password)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(String(exit.value.password)).not.toContain(Redacted.value(exit.value.password));
    expect(registry.exchanges.slice(before)).toEqual([{ accepted: true, expiresInSeconds: 120 }]);
  });

  it("answers for its hosts only, case-insensitively, without an exchange for others", async () => {
    const before = registry.exchanges.length;
    const provider = providerFor(registry.host);
    expect(await resolve(provider, "other.example.com")).toEqual(Exit.succeed(undefined));
    expect(registry.exchanges.length).toBe(before);
  });

  it("fails with a CredentialsError when there is no API key, without calling the exchange", async () => {
    const before = registry.exchanges.length;
    const exit = await resolve(new AcmeCredentialsProvider({ hosts: [registry.host], scheme: "http", apiKey: () => Promise.reject(new Error("vault sealed")) }));
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("vault sealed");
    expect(registry.exchanges.length).toBe(before);
  });
});
