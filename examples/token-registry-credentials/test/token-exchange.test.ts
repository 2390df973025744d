import { Effect, Exit, Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { CREDENTIALS_PROVIDER, type CredentialsProvider } from "@skopush/core";
import { credentialsProviderContract } from "@skopush/testkit/contracts";
import { TOKEN_USERNAME, TokenExchangeCredentialsProvider, twoRegistriesContainer } from "../src/index.js";
import { startTokenExchangeServer } from "./token-exchange-server.js";

const IDENTITY = "eyJ.identity.token";
const REFRESH = "refresh-token-for-push";

/** A server that exchanges IDENTITY for REFRESH, and refuses anything else. */
const exchanging = () =>
  startTokenExchangeServer((form) =>
    form.get("grant_type") === "access_token" && form.get("access_token") === IDENTITY
      ? { status: 200, body: { refresh_token: REFRESH } }
      : { status: 401, body: { errors: [{ code: "UNAUTHORIZED" }] } },
  );

const providerFor = (host: string, identity = IDENTITY) =>
  new TokenExchangeCredentialsProvider({ registry: host, scheme: "http", identityToken: async () => identity });

credentialsProviderContract({
  name: "TokenExchangeCredentialsProvider",
  make: async () => {
    const server = await exchanging();
    return { provider: providerFor(server.host), knownQuery: { registry: server.host, repository: "team/app" }, cleanup: server.close };
  },
  known: { username: TOKEN_USERNAME, password: REFRESH },
  unknown: { registry: "harbor.example.com", repository: "team/app" },
  misconfigured: {
    make: async () => {
      const server = await exchanging();
      return { provider: providerFor(server.host, "expired"), knownQuery: { registry: server.host, repository: "team/app" }, cleanup: server.close };
    },
    tag: "AuthenticationFailed",
  },
});

const resolve = (provider: CredentialsProvider, registry: string) =>
  Effect.runPromiseExit(Effect.scoped(provider.resolve({ registry, repository: "team/app" })));

describe("TokenExchangeCredentialsProvider", () => {
  it("sends the exchange the registry expects", async () => {
    const server = await exchanging();
    try {
      await resolve(new TokenExchangeCredentialsProvider({ registry: server.host, scheme: "http", tenant: "contoso", identityToken: async () => IDENTITY }), server.host);
      expect(Object.fromEntries(server.requests[0]!)).toEqual({ grant_type: "access_token", service: server.host, access_token: IDENTITY, tenant: "contoso" });
    } finally {
      await server.close();
    }
  });

  it("fails with a CredentialsError saying what to do when there is no identity token", async () => {
    const provider = new TokenExchangeCredentialsProvider({ registry: "r.test", identityToken: () => Promise.reject(new Error("not logged in")) });
    const exit = await resolve(provider, "r.test");
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("az login");
  });

  it("fails with a RegistryError when the answer holds no refresh token", async () => {
    const server = await startTokenExchangeServer(() => ({ status: 200, body: { access_token: "wrong field" } }));
    try {
      const exit = await resolve(providerFor(server.host), server.host);
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("no refresh_token");
    } finally {
      await server.close();
    }
  });
});

describe("beside Harbor's provider", () => {
  it("answers for its registry; Harbor's answers for Harbor; both come before the default providers", async () => {
    const server = await exchanging();
    try {
      const container = twoRegistriesContainer({
        harborUrl: "https://harbor.example.com",
        tokenRegistry: { registry: server.host, scheme: "http", identityToken: async () => IDENTITY },
        defaults: { env: {}, credentialsProviders: { homeDir: "/nonexistent", env: {} } },
      });
      const providers = container.resolveAll<CredentialsProvider>(CREDENTIALS_PROVIDER);
      expect(providers.map((p) => p.name)).toEqual(["harbor", "token-exchange", "environment", "containers-auth", "docker-config"]);
      const ask = (registry: string) =>
        Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              for (const provider of providers) {
                const found = yield* provider.resolve({ registry, repository: "team/app" });
                if (found) return { provider: provider.name, username: found.username, password: Redacted.value(found.password) };
              }
              return undefined;
            }),
          ),
        );
      expect(await ask(server.host)).toEqual({ provider: "token-exchange", username: TOKEN_USERNAME, password: REFRESH });
      expect(await ask("other.example.com")).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
