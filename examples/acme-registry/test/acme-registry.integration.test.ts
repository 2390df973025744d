import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DependencyContainer } from "tsyringe";
import { createDefaultContainer, resolvePusher } from "skopush";
import { listTags, loadTestEnvironment, readManifest, startApiKeyRegistry, type ApiKeyRegistry, type TestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { AcmeCredentialsProvider, registerAcmeStrategy } from "../src/index.js";

const API_KEY = `acme-${randomBytes(8).toString("hex")}`;
let environment: TestEnvironment;
let acme: ApiKeyRegistry;
let work: string;
let archive: string;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  const basic = environment.registry("basic");
  const { serverCert, serverKey } = environment.state.certificates;
  acme = await startApiKeyRegistry({ upstream: { url: basic.url, caFile: basic.caFile, credentials: basic.credentials }, tls: { certFile: serverCert, keyFile: serverKey }, apiKeys: [API_KEY] });
  work = mkdtempSync(join(tmpdir(), "skopush-example-acme-"));
  archive = (await writeImageArchive(join(work, "app.tar"), { format: "docker-legacy", layers: 2, layerSize: 64 * 1024, seed: `example-acme-${randomBytes(4).toString("hex")}` })).path;
});
afterAll(async () => {
  await acme?.close();
  rmSync(work, { recursive: true, force: true });
});

/** The default chain (registry client only, to keep it quick) with Acme added the documented way. */
const withAcme = (apiKey = API_KEY): DependencyContainer =>
  createDefaultContainer({
    order: ["registry"],
    strategies: { registry: { blobInfoCacheDir: false } },
    credentialsProviders: { env: {}, homeDir: join(work, "no-home") },
    extraStrategies: [(c) => registerAcmeStrategy(c, { hosts: [acme.host] })],
    extraCredentialsProviders: [new AcmeCredentialsProvider({ hosts: [acme.host], apiKey: () => apiKey, caFile: environment.state.certificates.caFile })],
  });

describe("Acme Registry, added from outside", () => {
  it("pushes through the chain with the Acme strategy and the exchanged password; the registry behind holds that digest", async () => {
    const basic = environment.registry("basic");
    const repository = `example/acme-${randomBytes(4).toString("hex")}`;
    const exchangesBefore = acme.exchanges.length;
    const result = await resolvePusher(withAcme()).push({ archive, destination: `${acme.host}/${repository}:v1`, tls: { verify: true, caFile: basic.caFile } });
    expect(result.status, result.status === "error" ? result.message : "").toBe("success");
    expect(result.status === "success" && result.method).toBe("acme");
    expect(result.attempts.map((a) => [a.strategy, a.outcome])).toEqual([["acme", "success"]]);
    const stored = await readManifest({ url: basic.url, caFile: basic.caFile, credentials: basic.credentials }, repository, "v1");
    expect(result.status === "success" && result.digest).toBe(stored.digest);
    expect(acme.exchanges.slice(exchangesBefore)).toEqual([{ accepted: true, expiresInSeconds: 600 }]);
    expect(acme.registryRequests.some((r) => r.authorized && r.method === "PUT" && r.path === `/v2/${repository}/manifests/v1`)).toBe(true);
  });

  it("skips the Acme strategy for a destination on another host, with the recorded reason, and never exchanges the key", async () => {
    const tls = environment.registry("tls");
    const repository = `example/acme-other-${randomBytes(4).toString("hex")}`;
    const [exchangesBefore, requestsBefore] = [acme.exchanges.length, acme.registryRequests.length];
    const result = await resolvePusher(withAcme()).push({ archive, destination: `${tls.host}/${repository}:v1`, tls: { verify: true, caFile: tls.caFile } });
    expect(result.status, result.status === "error" ? result.message : "").toBe("success");
    expect(result.attempts.map((a) => [a.strategy, a.outcome, a.error, a.reason])).toEqual([
      ["acme", "unavailable", "StrategyUnavailable", `unavailable: it does not push to ${tls.host}`],
      ["registry", "success", undefined, undefined],
    ]);
    expect(result.status === "success" && result.digest).toBe((await readManifest({ url: tls.url, caFile: tls.caFile }, repository, "v1")).digest);
    expect([acme.exchanges.length, acme.registryRequests.length]).toEqual([exchangesBefore, requestsBefore]);
  });

  it("fails with AuthenticationFailed for a revoked API key; nothing reaches the registry behind", async () => {
    const basic = environment.registry("basic");
    const repository = `example/acme-refused-${randomBytes(4).toString("hex")}`;
    const requestsBefore = acme.registryRequests.length;
    const result = await resolvePusher(withAcme("revoked-key")).push({ archive, destination: `${acme.host}/${repository}:v1`, tls: { verify: true, caFile: basic.caFile } });
    expect(result).toMatchObject({ status: "error", error: "AuthenticationFailed" });
    expect(result.status === "error" && result.message).not.toContain("revoked-key");
    expect(acme.registryRequests.length).toBe(requestsBefore);
    expect(await listTags({ url: basic.url, caFile: basic.caFile, credentials: basic.credentials }, repository)).toEqual([]);
  });
});
