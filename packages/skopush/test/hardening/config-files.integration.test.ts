import { spawnSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePusher } from "@skopush/core";
import { listTags, loadTestEnvironment, type TestEnvironment } from "@skopush/testkit/environment";
import { startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { createDefaultContainer, type StrategyName } from "skopush";
import { describeResult, scratch, settingsFor, STRATEGIES, uniqueImage, uniqueRepository } from "./support.js";

// A CA file, or a certs.d entry, that is a named pipe: reading it blocked open(2) forever, in a thread
// nothing could interrupt. Every strategy now refuses it at once with TlsVerificationFailed naming the file.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;
let pipeCa: string;
let pipeCertDir: string;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = await scratch("config-files");
  resident = await startResidentContainer({ image: environment.skopeoImage });
  pipeCa = join(work.dir, "ca.pem");
  pipeCertDir = join(work.dir, "certs.d");
  await mkdir(pipeCertDir);
  for (const path of [pipeCa, join(pipeCertDir, "ca.crt")]) expect(spawnSync("mkfifo", [path]).status).toBe(0);
});

afterAll(async () => {
  await resident?.remove();
  await work?.cleanup();
});

describe.each<StrategyName>(STRATEGIES)("%s, given a CA that is a named pipe", (strategy) => {
  it.each([
    ["the CA file", () => ({ caFile: pipeCa }), () => pipeCa],
    ["a certs.d entry", () => ({ certDir: pipeCertDir }), () => join(pipeCertDir, "ca.crt")],
  ])("%s: TlsVerificationFailed at once, naming it; nothing pushed", async (_label, tls, named) => {
    const dirs = { tempDirectory: join(work.dir, `tmp-${strategy}-${Math.random().toString(36).slice(2)}`), cacheDirectory: join(work.dir, "cache") };
    await mkdir(dirs.tempDirectory);
    const image = await uniqueImage(work.dir, `ca-${strategy}`);
    const registry = environment.registry("tls");
    const repository = uniqueRepository(`ca-pipe-${strategy}`);
    const container = createDefaultContainer({ order: [strategy], strategies: settingsFor(resident, dirs), credentialsProviders: false });
    const result = await resolvePusher(container).push({ archive: image.path, destination: `${registry.host}/${repository}:v1`, tls: tls() });
    expect(result.status, describeResult(result)).toBe("error");
    expect(result).toMatchObject({ error: "TlsVerificationFailed" });
    expect(result.status === "error" && result.message).toContain(`${named()} is not a regular file: it is a named pipe (FIFO)`);
    expect(await listTags(registry, repository)).toEqual([]);
  });
});
