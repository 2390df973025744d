import { Effect } from "effect";
import { container as rootContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { CREDENTIALS_PROVIDER, registerStrategy, resolveFallbackChain, type CredentialsProvider } from "@skopush/core";
import { FakePushStrategy } from "@skopush/testkit";
import { createDefaultContainer, DEFAULT_STRATEGY_ORDER, pushImage } from "skopush";
import { fakeCatalog } from "./support.js";

const names = (c: ReturnType<typeof createDefaultContainer>) => resolveFallbackChain(c).strategies.map((s) => s.name);
const providerNames = (c: ReturnType<typeof createDefaultContainer>) =>
  c.isRegistered(CREDENTIALS_PROVIDER, true) ? c.resolveAll<CredentialsProvider>(CREDENTIALS_PROVIDER).map((p) => p.name) : [];

describe("createDefaultContainer", () => {
  it("registers docker-exec, dockerode, native, registry in that order, with the environment it was given", () => {
    const { catalog, received } = fakeCatalog();
    const env = { SKOPEO_SHARED_DIR: "/srv/shared" };
    const c = createDefaultContainer({ catalog, env });
    expect(names(c)).toEqual(["docker-exec", "dockerode", "native", "registry"]);
    expect(DEFAULT_STRATEGY_ORDER).toEqual(["docker-exec", "dockerode", "native", "registry"]);
    expect(received.get("native")).toEqual({ env, options: undefined });
  });

  it("reorders, configures and removes strategies", () => {
    const { catalog, received } = fakeCatalog();
    const c = createDefaultContainer({
      catalog,
      order: ["registry", "native", "docker-exec"],
      strategies: { native: { skopeoPath: "/opt/skopeo" }, "docker-exec": false, registry: true },
    });
    expect(names(c)).toEqual(["registry", "native"]);
    expect(received.get("native")?.options).toEqual({ skopeoPath: "/opt/skopeo" });
    expect(received.get("registry")?.options).toBeUndefined();
    expect(received.has("docker-exec")).toBe(false);
  });

  it("puts extra strategies (instances or registration functions) before the default ones, in their order", () => {
    const { catalog } = fakeCatalog();
    const c = createDefaultContainer({
      catalog,
      order: ["native", "registry"],
      extraStrategies: [FakePushStrategy.succeeding("acme"), (container) => registerStrategy(container, FakePushStrategy.succeeding("other-registry"))],
    });
    expect(names(c)).toEqual(["acme", "other-registry", "native", "registry"]);
  });

  it("refuses an order that lists a strategy twice", () => {
    expect(() => createDefaultContainer({ catalog: fakeCatalog().catalog, order: ["native", "native"] })).toThrow(/listed twice/);
  });

  it("is a child container: registering more strategies on it leaves the root untouched", () => {
    const c = createDefaultContainer({ catalog: fakeCatalog().catalog, order: ["native"] });
    c.register(Symbol.for("@skopush/core/PushStrategy"), { useValue: FakePushStrategy.succeeding("extra") });
    expect(names(c)).toEqual(["native", "extra"]);
    expect(rootContainer.isRegistered(Symbol.for("@skopush/core/PushStrategy"))).toBe(false);
  });

  it("registers the default credentials providers: explicit, environment, containers auth.json, docker config.json", () => {
    const c = createDefaultContainer({
      catalog: fakeCatalog().catalog,
      env: {},
      credentialsProviders: { credentials: { username: "u", password: "p" }, homeDir: "/nonexistent" },
    });
    expect(providerNames(c)).toEqual(["static", "environment", "containers-auth", "docker-config"]);
    expect(providerNames(createDefaultContainer({ catalog: fakeCatalog().catalog, credentialsProviders: false, env: {} }))).toEqual([]);
  });

  it("puts a Harbor provider first when Harbor options are given", () => {
    const c = createDefaultContainer({
      catalog: fakeCatalog().catalog,
      env: {},
      harbor: { url: "https://harbor.example.com", ensureProject: true },
    });
    expect(providerNames(c)[0]).toBe("harbor");
  });

  it("asks extra providers after Harbor's and before the defaults", () => {
    const vault = { name: "vault", resolve: () => Effect.succeed(undefined) };
    const c = createDefaultContainer({
      catalog: fakeCatalog().catalog,
      env: {},
      harbor: { url: "https://harbor.example.com" },
      extraCredentialsProviders: [vault],
    });
    expect(providerNames(c)).toEqual(["harbor", "vault", "environment", "containers-auth", "docker-config"]);
  });

  it("asks the credentials providers in order: explicit credentials beat the environment", async () => {
    const c = createDefaultContainer({
      catalog: fakeCatalog().catalog,
      env: { SKOPUSH_USERNAME: "from-env", SKOPUSH_PASSWORD: "env-secret" },
      credentialsProviders: { credentials: { username: "explicit", password: "flag-secret" }, registry: "registry.test", homeDir: "/nonexistent" },
    });
    const chain = c.resolveAll<CredentialsProvider>(CREDENTIALS_PROVIDER);
    const ask = (registry: string) =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            for (const provider of chain) {
              const found = yield* provider.resolve({ registry, repository: "p/app" });
              if (found) return found.username;
            }
            return undefined;
          }),
        ),
      );
    expect(await ask("registry.test")).toBe("explicit");
    expect(await ask("other.test")).toBe("from-env");
  });
});

describe("pushImage (default container)", () => {
  it("pushes through the default chain and reports the strategy that pushed", async () => {
    const { catalog } = fakeCatalog({
      "docker-exec": FakePushStrategy.unavailable("docker-exec", "no container skopeo-service"),
      dockerode: FakePushStrategy.unavailable("dockerode", "no daemon"),
    });
    const result = await pushImage({ catalog, env: {}, archive: "/images/app.tar", destination: "registry.test/p/app:v1" });
    expect(result).toMatchObject({ status: "success", method: "native", image: "registry.test/p/app:v1" });
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([
      ["docker-exec", "unavailable"],
      ["dockerode", "unavailable"],
      ["native", "success"],
    ]);
  });

  it("pushes with a container built elsewhere", async () => {
    const c = createDefaultContainer({ catalog: fakeCatalog().catalog, order: ["registry"], env: {} });
    const result = await pushImage({ container: c, archive: "/images/app.tar", destination: "registry.test/p/app:v1" });
    expect(result).toMatchObject({ status: "success", method: "registry" });
  });
});

describe("child containers of the default container (what docs/composing-chains.md says)", () => {
  it("a child's strategies replace the parent's for the child only", () => {
    const base = createDefaultContainer({ catalog: fakeCatalog().catalog, env: {} });
    const child = base.createChildContainer();
    child.register(Symbol.for("@skopush/core/PushStrategy"), { useValue: FakePushStrategy.succeeding("fake") });
    expect(names(child)).toEqual(["fake"]);
    expect(names(base)).toEqual(["docker-exec", "dockerode", "native", "registry"]);
    expect(names(base.createChildContainer())).toEqual(["docker-exec", "dockerode", "native", "registry"]);
  });
});
