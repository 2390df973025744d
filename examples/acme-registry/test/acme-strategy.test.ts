import { Effect, Exit } from "effect";
import { container as root } from "tsyringe";
import { describe, expect, it } from "vitest";
import { defaultRetrySettings, defaultTlsSettings, ImageReference, registerStrategy, resolveFallbackChain, type PushRequest } from "skopush";
import { FakePushStrategy } from "@skopush/testkit";
import { acmeStrategy, registerAcmeStrategy } from "../src/index.js";

const requestTo = (destination: string): PushRequest => ({
  archive: { path: "/nonexistent/image.tar" },
  destination: ImageReference.parseOrThrow(destination),
  tls: defaultTlsSettings,
  retry: defaultRetrySettings,
});

describe("the Acme strategy", () => {
  it("supports Acme's hosts only (case-insensitively) and keeps a given name", () => {
    const strategy = acmeStrategy.create({ hosts: ["registry.acme.test", "127.0.0.1:5999"], name: "acme-eu" });
    expect(strategy.name).toBe("acme-eu");
    expect(strategy.supports?.(requestTo("Registry.Acme.Test/team/app:1"))).toBe(true);
    expect(strategy.supports?.(requestTo("127.0.0.1:5999/team/app:1"))).toBe(true);
    expect(strategy.supports?.(requestTo("127.0.0.1:6000/team/app:1"))).toBe(false);
    expect(strategy.supports?.(requestTo("harbor.example.com/team/app:1"))).toBe(false);
  });

  it("is skipped for another host, recorded as unavailable with the reason, and the next strategy pushes", async () => {
    const container = root.createChildContainer();
    registerAcmeStrategy(container, { hosts: ["registry.acme.test"] });
    registerStrategy(container, FakePushStrategy.succeeding("general"));
    const exit = await Effect.runPromiseExit(resolveFallbackChain(container).push(requestTo("harbor.example.com/team/app:1")));
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.attempts.map((a) => [a.strategy, a.outcome, a.error, a.reason])).toEqual([
      ["acme", "unavailable", "StrategyUnavailable", "unavailable: it does not push to harbor.example.com"],
      ["general", "success", undefined, undefined],
    ]);
  });
});
