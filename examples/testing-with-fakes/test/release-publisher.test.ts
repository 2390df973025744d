import { container as rootContainer } from "tsyringe";
import { Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { AuthenticationFailed, registerCredentialsProvider, registerStrategy, resolveFallbackChain } from "@skopush/core";
import { FAKE_DIGEST, FakeCredentialsProvider, FakePushStrategy } from "@skopush/testkit";
import { productionContainer, RELEASE_NOTIFIER, RELEASE_REPOSITORY, ReleasePublisher, type PublishedRelease } from "../src/index.js";

/**
 * A test container: the application's parts are real, the push strategies and the credentials are
 * testkit fakes. Nothing touches Docker, skopeo or a registry, and each test gets its own container.
 */
const testContainer = (strategies: FakePushStrategy[], credentials = new FakeCredentialsProvider("vault", { username: "ci", password: "from-vault" })) => {
  const container = rootContainer.createChildContainer();
  const notified: PublishedRelease[] = [];
  container.register(RELEASE_REPOSITORY, { useValue: "registry.test/shop/web" });
  container.register(RELEASE_NOTIFIER, { useValue: { published: (release: PublishedRelease) => void notified.push(release) } });
  for (const strategy of strategies) registerStrategy(container, strategy);
  registerCredentialsProvider(container, credentials);
  return { publisher: container.resolve(ReleasePublisher), notified, credentials };
};

describe("ReleasePublisher, with the strategies swapped for fakes", () => {
  it("publishes, pins the digest, and notifies", async () => {
    const { publisher, notified } = testContainer([FakePushStrategy.succeeding("native")]);
    const outcome = await publisher.publish("1.4.0", "/builds/web.tar");
    expect(outcome).toEqual({ ok: true, version: "1.4.0", pinned: `registry.test/shop/web:1.4.0@${FAKE_DIGEST}`, pushedWith: "native" });
    expect(notified).toEqual([{ version: "1.4.0", pinned: `registry.test/shop/web:1.4.0@${FAKE_DIGEST}`, pushedWith: "native" }]);
  });

  it("still publishes when the first strategy cannot run here", async () => {
    const registry = FakePushStrategy.succeeding("registry");
    const { publisher } = testContainer([FakePushStrategy.unavailable("docker-exec", "no resident container"), registry]);
    expect(await publisher.publish("1.4.1", "/builds/web.tar")).toMatchObject({ ok: true, pushedWith: "registry" });
    expect(registry.pushes[0]?.archive.path).toBe("/builds/web.tar");
  });

  it("does not notify when the push fails, and says whether a retry may help", async () => {
    const rejected = new AuthenticationFailed({ registry: "registry.test", username: "ci", reason: "unauthorized" });
    const { publisher, notified } = testContainer([FakePushStrategy.failing("native", rejected)]);
    expect(await publisher.publish("1.4.2", "/builds/web.tar")).toMatchObject({ ok: false, error: "AuthenticationFailed", retryable: false });
    expect(notified).toEqual([]);
  });

  it("pushes with the credentials its provider gives, and releases them when the push ends", async () => {
    const native = FakePushStrategy.succeeding("native");
    const { publisher, credentials } = testContainer([native]);
    await publisher.publish("1.4.3", "/builds/web.tar");
    expect(credentials.queries).toEqual([{ registry: "registry.test", repository: "shop/web" }]);
    expect(Redacted.value(native.pushes[0]!.credentials!.password)).toBe("from-vault");
    expect([credentials.acquired, credentials.released]).toEqual([1, 1]);
  });

  it("cancels a hanging push when asked, cleaning up, without notifying", async () => {
    const hanging = FakePushStrategy.hanging("native");
    const { publisher, notified } = testContainer([hanging]);
    const controller = new AbortController();
    const pending = publisher.publish("1.4.4", "/builds/web.tar", controller.signal);
    setTimeout(() => controller.abort(), 10);
    expect(await pending).toMatchObject({ ok: false, error: "PushCancelled" });
    expect(hanging.cleanups).toBe(1);
    expect(notified).toEqual([]);
  });

  it("uses skopush's default chain in production", () => {
    const container = productionContainer("harbor.example.com/shop/web", { published: () => {} });
    expect(resolveFallbackChain(container).strategies.map((s) => s.name)).toEqual(["docker-exec", "dockerode", "native", "registry"]);
    expect(container.resolve(ReleasePublisher)).toBeInstanceOf(ReleasePublisher);
  });
});
