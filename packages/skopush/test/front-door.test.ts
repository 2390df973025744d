import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import * as core from "@skopush/core";
import * as skopush from "skopush";
import { makeCredentials, passwordOf } from "skopush";
import { FAKE_DIGEST } from "@skopush/testkit";

describe("skopush, the front door", () => {
  it("re-exports every value of @skopush/core, the same objects (tokens, errors, registration, the chain)", () => {
    const missing = Object.keys(core).filter((name) => (skopush as Record<string, unknown>)[name] !== (core as Record<string, unknown>)[name]);
    expect(missing).toEqual([]);
    for (const name of ["registerStrategy", "defineStrategy", "resolvePusher", "fromPromiseStrategy", "PUSH_STRATEGY", "AuthenticationFailed", "passwordOf"]) {
      expect(skopush).toHaveProperty(name);
    }
  });

  it("re-exports each default strategy's definition, registration function and options token, and the credentials providers", () => {
    for (const name of [
      "dockerExecStrategy", "registerDockerExecStrategy", "DOCKER_EXEC_OPTIONS",
      "dockerodeStrategy", "registerDockerodeStrategy", "DOCKERODE_OPTIONS",
      "nativeSkopeoStrategy", "registerNativeSkopeoStrategy", "NATIVE_SKOPEO_OPTIONS",
      "registryPushStrategy", "registerRegistryPushStrategy", "REGISTRY_PUSH_OPTIONS",
      "defaultCredentialsProviders", "HarborCredentialsProvider", "TokenServiceCredentialsVerifier",
    ]) {
      expect(skopush, name).toHaveProperty(name);
    }
  });

  it("lets a promise-style strategy read the password without effect: passwordOf", async () => {
    const seen: string[] = [];
    const strategy = skopush.fromPromiseStrategy({
      name: "reads-password",
      push: async (request) => {
        if (request.credentials) seen.push(passwordOf(request.credentials));
        return { digest: FAKE_DIGEST, bytesPushed: 0 };
      },
    });
    const request = {
      archive: { path: "/nonexistent/image.tar" },
      destination: skopush.ImageReference.parseOrThrow("registry.test/team/app:1"),
      credentials: makeCredentials("ci", "s3cret"),
      tls: skopush.defaultTlsSettings,
      retry: skopush.defaultRetrySettings,
    };
    await Effect.runPromise(new skopush.FallbackChain([strategy]).push(request));
    expect(seen).toEqual(["s3cret"]);
    expect(JSON.stringify(request.credentials)).not.toContain("s3cret");
  });
});

describe("pushImage with a container that cannot build a chain", () => {
  it("rejects its promise with the reason instead of throwing at the call", async () => {
    const { container } = await import("tsyringe");
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = skopush.pushImage({ archive: "/nowhere/app.tar", destination: "registry.test/app/web:1", container: container.createChildContainer() });
    }).not.toThrow();
    await expect(pending).rejects.toThrow(/no push strategy is registered in the container/);
  });
});
