import "reflect-metadata";
import * as Effect from "effect/Effect";
import { container as rootContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import {
  AccessDenied,
  AuthenticationFailed,
  CREDENTIALS_VERIFIER,
  CredentialsChain,
  FallbackChain,
  ManifestRejected,
  PUSH_STRATEGY,
  Pusher,
  resolvePusher,
  type CredentialsVerifier,
  type DeniedPush,
} from "@skopush/core";
import { FakePushStrategy } from "@skopush/testkit";

const destination = "harbor.test/proj/app:v1";
const denied = new AccessDenied({ registry: "harbor.test", repository: "proj/app", reason: "denied: requested access to the resource is denied" });
const refused = new AuthenticationFailed({ registry: "harbor.test", username: "robot$proj+ci", reason: "the token service refused the credentials (HTTP 401)" });

/** A verifier that answers `verdict` and records what it was asked. */
const verifier = (verdict: AuthenticationFailed | undefined | "hang") => {
  const asked: DeniedPush[] = [];
  const self: CredentialsVerifier & { asked: DeniedPush[] } = {
    asked,
    refusal: (push) => {
      asked.push(push);
      return verdict === "hang" ? Effect.never : Effect.succeed(verdict);
    },
  };
  return self;
};

const push = (strategy: FakePushStrategy, verifiers: CredentialsVerifier[], credentials = true) =>
  new Pusher(new FallbackChain([strategy]), new CredentialsChain(), verifiers).push({
    archive: "/a.tar",
    destination,
    ...(credentials ? { credentials: { username: "robot$proj+ci", password: "wrong" } } : {}),
    tls: { verify: true, caFile: "/ca.pem" },
  });

describe("Pusher with credentials verifiers", () => {
  it("turns AccessDenied into AuthenticationFailed when a verifier finds the credentials refused, keeping the attempts", async () => {
    const check = verifier(refused);
    const result = await push(FakePushStrategy.failing("native", denied), [check]);
    expect(result).toMatchObject({ status: "error", error: "AuthenticationFailed", retryable: false });
    expect(result.status === "error" && result.message).toContain("the token service refused the credentials");
    expect(result.attempts.map((a) => [a.strategy, a.error])).toEqual([["native", "AccessDenied"]]);
    expect(check.asked).toHaveLength(1);
    expect(check.asked[0]).toMatchObject({ registry: "harbor.test", tls: { verify: true, caFile: "/ca.pem" } });
    expect(check.asked[0]?.credentials.username).toBe("robot$proj+ci");
  });

  it("keeps AccessDenied when every verifier accepts the credentials or cannot tell", async () => {
    const first = verifier(undefined);
    const second = verifier(undefined);
    const result = await push(FakePushStrategy.failing("native", denied), [first, second]);
    expect(result).toMatchObject({ status: "error", error: "AccessDenied" });
    expect([first.asked.length, second.asked.length]).toEqual([1, 1]);
  });

  it("asks verifiers in order and stops at the first refusal", async () => {
    const first = verifier(undefined);
    const second = verifier(refused);
    const third = verifier(refused);
    const result = await push(FakePushStrategy.failing("native", denied), [first, second, third]);
    expect(result).toMatchObject({ error: "AuthenticationFailed" });
    expect([first.asked.length, second.asked.length, third.asked.length]).toEqual([1, 1, 0]);
  });

  it("asks nothing for an anonymous push, another error, or a success", async () => {
    const check = verifier(refused);
    expect(await push(FakePushStrategy.failing("native", denied), [check], false)).toMatchObject({ error: "AccessDenied" });
    const rejected = new ManifestRejected({ registry: "harbor.test", reference: destination, reason: "manifest invalid" });
    expect(await push(FakePushStrategy.failing("native", rejected), [check])).toMatchObject({ error: "ManifestRejected" });
    expect(await push(FakePushStrategy.succeeding("native"), [check])).toMatchObject({ status: "success" });
    expect(check.asked).toHaveLength(0);
  });

  it("keeps AccessDenied when a verifier does not answer in time", { timeout: 20_000 }, async () => {
    const result = await push(FakePushStrategy.failing("native", denied), [verifier("hang")]);
    expect(result).toMatchObject({ status: "error", error: "AccessDenied" });
  });

  it("gets every verifier registered under CREDENTIALS_VERIFIER, and none when none is", async () => {
    const withVerifier = rootContainer.createChildContainer();
    withVerifier.register(PUSH_STRATEGY, { useValue: FakePushStrategy.failing("native", denied) });
    withVerifier.register(CREDENTIALS_VERIFIER, { useValue: verifier(refused) });
    expect(resolvePusher(withVerifier).verifiers).toHaveLength(1);

    const without = rootContainer.createChildContainer();
    without.register(PUSH_STRATEGY, { useValue: FakePushStrategy.succeeding("native") });
    expect(resolvePusher(without).verifiers).toEqual([]);
  });
});
