import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePusher } from "@skopush/core";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { entriesOf, startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { createDefaultContainer, type StrategyName } from "skopush";
import { describeResult, scratch, settingsFor, STRATEGIES, uniqueImage, uniqueRepository } from "./support.js";

// Issue 14.6: one rule for every strategy: a registry on this machine's loopback that speaks plain HTTP
// is pushed to without a flag (as Docker and crane do), TLS still verified by default. The registry
// strategy did; native failed with TlsVerificationFailed and stopped the chain. The skopeo strategies
// learn the scheme from their pre-flight from Node (the registry client's candidateSchemes).

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = await scratch("plain-loopback");
  resident = await startResidentContainer({ image: environment.skopeoImage });
});

afterAll(async () => {
  await resident?.remove();
  await work?.cleanup();
});

describe.each<StrategyName>(STRATEGIES)("%s, to the plain-HTTP registry on 127.0.0.1 without tls.verify: false", (strategy) => {
  it("pushes, the digest read back matches, nothing is left", async () => {
    const plain = environment.registry("plain");
    expect(plain.scheme).toBe("http");
    const dirs = { tempDirectory: join(work.dir, `tmp-${strategy}`), cacheDirectory: join(work.dir, `cache-${strategy}`) };
    await mkdir(dirs.tempDirectory);
    await mkdir(dirs.cacheDirectory);
    const image = await uniqueImage(work.dir, `plain-${strategy}`);
    const repository = uniqueRepository(`plain-${strategy}`);
    const container = createDefaultContainer({ order: [strategy], strategies: settingsFor(resident, dirs), credentialsProviders: false });
    const result = await resolvePusher(container).push({ archive: image.path, destination: `${plain.host}/${repository}:v1` });

    expect(result.status, describeResult(result)).toBe("success");
    if (result.status !== "success") return;
    const stored = await readManifest(plain, repository, "v1");
    expect(result.digest).toBe(stored.digest);
    expect(stored.json.config?.digest).toBe(image.configDigest);
    expect(result.verified).toBe(true);
    expect([...entriesOf(dirs.tempDirectory), ...resident.leftovers()]).toEqual([]);
  });
});
