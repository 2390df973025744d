import { createRequire } from "node:module";
import { sep } from "node:path";
import { Effect } from "effect";
import { container, inject, injectable } from "tsyringe";
import { describe, expect, it } from "vitest";
import {
  CREDENTIALS_PROVIDER,
  FallbackChain,
  PUSH_STRATEGY,
  Pusher,
  registerCredentialsProvider,
  registerFallbackChainOptions,
  defineStrategy,
  registerStrategy,
  resolveFallbackChain,
  type StrategyOptions,
  resolvePusher,
  StrategyUnavailable,
  type PushStrategy,
} from "@skopush/core";
import { FakeCredentialsProvider, FakePushStrategy } from "@skopush/testkit";
import { request } from "./support.js";

const NAME = Symbol("test strategy name");

/** An @injectable strategy with an injected option, as adapters write them. */
@injectable()
class NamedStrategy implements PushStrategy {
  constructor(@inject(NAME) readonly name: string) {}
  probe() {
    return Effect.fail(new StrategyUnavailable({ strategy: this.name, reason: "never here" }));
  }
  push() {
    return Effect.die("unreachable");
  }
}

interface PathOptions extends StrategyOptions {
  readonly path?: string | undefined;
}

const PATH_OPTIONS = Symbol("test path options");

/** A strategy that remembers its options, made through a definition as the strategy packages make theirs. */
class PathStrategy implements PushStrategy {
  readonly name: string;
  constructor(readonly options: PathOptions) {
    this.name = options.name ?? "path";
  }
  probe() {
    return Effect.void;
  }
  push() {
    return Effect.succeed({ digest: `sha256:${"0".repeat(64)}`, bytesPushed: 0 });
  }
}

const pathStrategy = defineStrategy<PathOptions>({ name: "path", optionsToken: PATH_OPTIONS, create: (options) => new PathStrategy(options) });

const pathsOf = (c: ReturnType<typeof container.createChildContainer>) =>
  resolveFallbackChain(c).strategies.map((s) => `${s.name}=${(s as PathStrategy).options.path ?? "default"}`);

describe("per-container instances (a parent and two children, both resolution orders)", () => {
  const family = () => {
    const parent = container.createChildContainer();
    parent.register(PATH_OPTIONS, { useValue: { path: "/parent" } });
    registerStrategy(parent, pathStrategy);
    const first = parent.createChildContainer();
    first.register(PATH_OPTIONS, { useValue: { path: "/first" } });
    const second = parent.createChildContainer();
    second.register(PATH_OPTIONS, { useValue: { path: "/second" } });
    return { parent, first, second };
  };

  it("children first: each child builds its own instance with its options, the parent keeps its own", () => {
    const { parent, first, second } = family();
    expect(pathsOf(first)).toEqual(["path=/first"]);
    expect(pathsOf(second)).toEqual(["path=/second"]);
    expect(pathsOf(parent)).toEqual(["path=/parent"]);
  });

  it("parent first: the children still get their own instances and options", () => {
    const { parent, first, second } = family();
    expect(pathsOf(parent)).toEqual(["path=/parent"]);
    expect(pathsOf(first)).toEqual(["path=/first"]);
    expect(pathsOf(second)).toEqual(["path=/second"]);
  });

  it("one instance per container, reused by every resolution in it", () => {
    const { parent, first } = family();
    const [a] = resolveFallbackChain(first).strategies;
    const [b] = resolveFallbackChain(first).strategies;
    const [p] = resolveFallbackChain(parent).strategies;
    expect(a).toBe(b);
    expect(a).not.toBe(p);
  });

  it("@injectable classes too: a child's injected option does not reach the parent, in both orders", () => {
    for (const parentFirst of [true, false]) {
      const parent = container.createChildContainer();
      parent.register(NAME, { useValue: "parent" });
      registerStrategy(parent, NamedStrategy);
      const first = parent.createChildContainer();
      first.register(NAME, { useValue: "first" });
      const second = parent.createChildContainer();
      second.register(NAME, { useValue: "second" });
      const order = parentFirst ? [parent, first, second] : [second, first, parent];
      const seen = new Map(order.map((c) => [c, resolveFallbackChain(c).strategies[0]?.name]));
      expect([seen.get(parent), seen.get(first), seen.get(second)]).toEqual(["parent", "first", "second"]);
    }
  });
});

describe("per-registration options and names", () => {
  it("registers one technology twice with two options and two names", () => {
    const c = container.createChildContainer();
    registerStrategy(c, pathStrategy, { name: "path-a", path: "/opt/a" });
    registerStrategy(c, pathStrategy, { name: "path-b", path: "/opt/b" });
    expect(pathsOf(c)).toEqual(["path-a=/opt/a", "path-b=/opt/b"]);
  });

  it("a registration's options win over the container's; a registration without options reads the container's", () => {
    const parent = container.createChildContainer();
    registerStrategy(parent, pathStrategy, { name: "fixed", path: "/opt/fixed" });
    registerStrategy(parent, pathStrategy);
    parent.register(PATH_OPTIONS, { useValue: { path: "/container" } });
    expect(pathsOf(parent)).toEqual(["fixed=/opt/fixed", "path=/container"]);
  });

  it("without any options the definition gets {} and its default name", () => {
    const c = container.createChildContainer();
    registerStrategy(c, pathStrategy);
    expect(pathsOf(c)).toEqual(["path=default"]);
  });
});

describe("DI composition", () => {
  it("resolves a chain whose strategies are in registration order", () => {
    const c = container.createChildContainer();
    registerStrategy(c, FakePushStrategy.succeeding("one"));
    registerStrategy(c, FakePushStrategy.succeeding("two"));
    registerStrategy(c, FakePushStrategy.succeeding("three"));
    expect(resolveFallbackChain(c).strategies.map((s) => s.name)).toEqual(["one", "two", "three"]);
  });

  it("builds @injectable strategy classes with their injected options, once per container (kept)", () => {
    const c = container.createChildContainer();
    c.register(NAME, { useValue: "class-based" });
    registerStrategy(c, NamedStrategy);
    const first = resolveFallbackChain(c).strategies[0];
    const second = resolveFallbackChain(c).strategies[0];
    expect(first?.name).toBe("class-based");
    expect(first).toBe(second);
  });

  it("swaps strategies in a child container without touching the parent", async () => {
    const parent = container.createChildContainer();
    registerStrategy(parent, FakePushStrategy.unavailable("real"));
    const child = parent.createChildContainer();
    const fake = FakePushStrategy.succeeding("fake");
    registerStrategy(child, fake);
    const result = await Effect.runPromise(resolveFallbackChain(child).push(request()));
    expect(result.strategy).toBe("fake");
    expect(resolveFallbackChain(parent).strategies.map((s) => s.name)).toEqual(["real"]);
  });

  it("passes registered chain options to the chain", async () => {
    const c = container.createChildContainer();
    registerStrategy(c, { name: "slow", probe: () => Effect.never, push: () => Effect.die("no") });
    registerStrategy(c, FakePushStrategy.succeeding("fast"));
    registerFallbackChainOptions(c, { probeTimeoutMs: 10 });
    const result = await Effect.runPromise(resolveFallbackChain(c).push(request()));
    expect(result.strategy).toBe("fast");
  });

  it("resolves a Pusher that asks registered credentials providers in order", async () => {
    const c = container.createChildContainer();
    const empty = new FakeCredentialsProvider("empty", undefined);
    const harbor = new FakeCredentialsProvider("harbor", { username: "robot$proj+ci", password: "s3cret" });
    const strategy = FakePushStrategy.succeeding("only");
    registerCredentialsProvider(c, empty);
    registerCredentialsProvider(c, harbor);
    registerStrategy(c, strategy);
    const pusher = resolvePusher(c);
    expect(pusher).toBeInstanceOf(Pusher);
    const result = await pusher.push({ archive: "/x.tar", destination: "registry.test/proj/app:v1" });
    expect(result.status).toBe("success");
    expect(empty.queries).toEqual([{ registry: "registry.test", repository: "proj/app" }]);
    expect(strategy.pushes[0]?.credentials?.username).toBe("robot$proj+ci");
    expect(harbor.released).toBe(1);
  });

  it("uses the tokens the adapters register under", () => {
    const c = container.createChildContainer();
    c.register(PUSH_STRATEGY, { useValue: FakePushStrategy.succeeding("by-token") });
    c.register(CREDENTIALS_PROVIDER, { useValue: new FakeCredentialsProvider("p", undefined) });
    expect(c.resolve(FallbackChain).strategies.map((s) => s.name)).toEqual(["by-token"]);
  });
});

describe("a container that cannot build a chain", () => {
  it("with no strategy registered: says so and how to fix it", () => {
    expect(() => resolvePusher(container.createChildContainer())).toThrow(/no push strategy is registered in the container\. Fix: registerStrategy/);
    expect(() => resolveFallbackChain(container.createChildContainer())).toThrow(/cannot resolve a FallbackChain: no push strategy/);
  });

  it("from another copy of tsyringe (a dependency's own): names the two copies instead of tsyringe's bare TypeInfo error", () => {
    const require = createRequire(import.meta.url);
    const ours = require.resolve("tsyringe");
    const cached = Object.keys(require.cache).filter((key) => key.includes(`${sep}tsyringe${sep}`));
    const kept = cached.map((key) => [key, require.cache[key]] as const);
    for (const key of cached) delete require.cache[key];
    try {
      const foreign = (require(ours) as typeof import("tsyringe")).container.createChildContainer();
      expect(foreign.resolve).not.toBe(container.createChildContainer().resolve);
      registerStrategy(foreign, FakePushStrategy.succeeding("fake"));
      expect(() => resolvePusher(foreign)).toThrow(/another copy of tsyringe than skopush's\. Fix: give the app one tsyringe \(`npm ls tsyringe`/);
    } finally {
      for (const [key, module] of kept) require.cache[key] = module;
    }
  });
});
