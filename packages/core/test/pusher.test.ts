import { Redacted } from "effect";
import { describe, expect, it } from "vitest";
import {
  AuthenticationFailed,
  CredentialsError,
  FallbackChain,
  Pusher,
  type ProgressEvent,
  type PushImageOptions,
  type PushStrategy,
} from "@skopush/core";
import { FAKE_DIGEST, FakeCredentialsProvider, FakePushStrategy } from "@skopush/testkit";

const destination = "registry.test:5000/proj/app:v1";

/** A push through a Pusher built without a DI container, as a chain composer builds one. */
const pushImage = (options: PushImageOptions & { readonly chain: FallbackChain | ReadonlyArray<PushStrategy> }) =>
  new Pusher(options.chain instanceof FallbackChain ? options.chain : new FallbackChain(options.chain)).push(options);

describe("Pusher.push (Promise facade)", () => {
  it("resolves a success with image, digest, method, attempts and duration", async () => {
    const result = await pushImage({
      chain: [FakePushStrategy.unavailable("docker-exec"), FakePushStrategy.succeeding("native")],
      archive: "/images/app.tar",
      destination,
    });
    expect(result).toMatchObject({
      status: "success",
      image: destination,
      digest: FAKE_DIGEST,
      method: "native",
      attempts: [
        { strategy: "docker-exec", outcome: "unavailable" },
        { strategy: "native", outcome: "success" },
      ],
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("hands the strategy a complete request with safe defaults", async () => {
    const strategy = FakePushStrategy.succeeding("only");
    await pushImage({
      chain: new FallbackChain([strategy]),
      archive: { path: "/images/app.tar", format: "oci-archive" },
      destination,
      credentials: { username: "robot$proj+ci", password: "pa:ss$word" },
    });
    const request = strategy.pushes[0];
    expect(request?.archive).toEqual({ path: "/images/app.tar", format: "oci-archive" });
    expect(request?.destination.toString()).toBe(destination);
    expect(request?.tls.verify).toBe(true);
    expect(request?.retry.times).toBe(3);
    expect(request?.credentials?.username).toBe("robot$proj+ci");
    expect(Redacted.value(request!.credentials!.password)).toBe("pa:ss$word");
    expect(JSON.stringify(request)).not.toContain("pa:ss$word");
  });

  it("resolves an error with the deciding error's tag and message, never rejecting", async () => {
    const error = new AuthenticationFailed({ registry: "registry.test:5000", username: "robot$proj+ci", reason: "unauthorized" });
    const second = FakePushStrategy.succeeding("native");
    const result = await pushImage({
      chain: [FakePushStrategy.failing("docker-exec", error), second],
      archive: "/images/app.tar",
      destination,
    });
    expect(result).toMatchObject({ status: "error", error: "AuthenticationFailed", retryable: false, image: destination });
    expect(result.status === "error" && result.message).toContain("robot$proj+ci");
    expect(result.attempts).toHaveLength(1);
    expect(second.pushes).toHaveLength(0);
  });

  it("fails an invalid destination before any strategy runs", async () => {
    const strategy = FakePushStrategy.succeeding("only");
    const result = await pushImage({ chain: [strategy], archive: "/a.tar", destination: "registry.test/Proj/app:v1" });
    expect(result).toMatchObject({ status: "error", error: "InvalidReference", attempts: [], image: undefined });
    expect(result.status === "error" && result.message).toContain("lowercase");
    expect(strategy.probes).toBe(0);
  });

  it("fails on a credentials error before any strategy runs", async () => {
    const strategy = FakePushStrategy.succeeding("only");
    const provider = new FakeCredentialsProvider(
      "docker-config",
      undefined,
      new CredentialsError({ source: "/root/.docker/config.json", reason: "is not valid JSON" }),
    );
    const result = await pushImage({ chain: [strategy], archive: "/a.tar", destination, credentials: provider });
    expect(result).toMatchObject({ status: "error", error: "CredentialsError" });
    expect(result.status === "error" && result.message).toContain("/root/.docker/config.json");
    expect(strategy.probes).toBe(0);
  });

  it("releases scoped credentials after the push, also when it fails", async () => {
    const provider = new FakeCredentialsProvider("ephemeral", { username: "robot$p+tmp", password: "x" });
    await pushImage({
      chain: [FakePushStrategy.failing("only", new AuthenticationFailed({ registry: "r", reason: "no" }))],
      archive: "/a.tar",
      destination,
      credentials: provider,
    });
    expect([provider.acquired, provider.released]).toEqual([1, 1]);
  });

  it("reports progress to the event sink, from 0 to 100", async () => {
    const events: ProgressEvent[] = [];
    await pushImage({
      chain: [new FakePushStrategy("only", { kind: "succeed", percents: [30, 70] })],
      archive: "/a.tar",
      destination,
      onProgress: (e) => events.push(e),
    });
    expect(events.map((e) => e.percent)).toEqual([0, 30, 70, 100]);
  });

  it("resolves a cancelled push as PushCancelled after cleanup", async () => {
    const hanging = FakePushStrategy.hanging("slow");
    const controller = new AbortController();
    const pending = pushImage({ chain: [hanging], archive: "/a.tar", destination, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const result = await pending;
    expect(result).toMatchObject({ status: "error", error: "PushCancelled" });
    expect(hanging.cleanups).toBe(1);
  });
});

describe("usernames (RFC 7617)", () => {
  it.each([
    ["robot:ci", 'contains ":" (after "robot"), which HTTP Basic authentication cannot carry (RFC 7617): the registry would read "robot" as the username and the rest as part of the password'],
    [":x", 'contains ":" (first)'],
    ["ro\nbot", "contains a control character (at position 3), which HTTP Basic authentication does not allow (RFC 7617)"],
  ])("refuses %j with a CredentialsError before any strategy runs, whichever provider gave it", async (username, reason) => {
    for (const credentials of [{ username, password: "secret:part" }, new FakeCredentialsProvider("env", { username, password: "secret:part" })]) {
      const strategy = FakePushStrategy.succeeding("only");
      const result = await pushImage({ chain: [strategy], archive: "/images/app.tar", destination, credentials });
      expect(result).toMatchObject({ status: "error", error: "CredentialsError", attempts: [] });
      expect(result.status === "error" && result.message).toContain(reason);
      expect(result.status === "error" && result.message).not.toContain("secret");
      expect(strategy.pushes).toEqual([]);
    }
  });

  it("never quotes what follows the colon (a user:password pasted as the username)", async () => {
    const result = await pushImage({ chain: [FakePushStrategy.succeeding("only")], archive: "/a.tar", destination, credentials: { username: "robot:hunter2", password: "x" } });
    expect(result.status === "error" && result.message).not.toContain("hunter2");
  });

  it("accepts Harbor robot names and a colon in the password", async () => {
    const strategy = FakePushStrategy.succeeding("only");
    const result = await pushImage({ chain: [strategy], archive: "/a.tar", destination, credentials: { username: "robot$proj+ci", password: "pa:ss" } });
    expect(result.status).toBe("success");
  });
});
