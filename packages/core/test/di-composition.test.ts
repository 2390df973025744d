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
  registerStrategy,
  resolveFallbackChain,
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

describe("DI composition", () => {
  it("resolves a chain whose strategies are in registration order", () => {
    const c = container.createChildContainer();
    registerStrategy(c, FakePushStrategy.succeeding("one"));
    registerStrategy(c, FakePushStrategy.succeeding("two"));
    registerStrategy(c, FakePushStrategy.succeeding("three"));
    expect(resolveFallbackChain(c).strategies.map((s) => s.name)).toEqual(["one", "two", "three"]);
  });

  it("builds @injectable strategy classes with their injected options, once per container", () => {
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
