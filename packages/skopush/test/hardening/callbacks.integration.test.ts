import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolvePusher, type ProgressEvent } from "@skopush/core";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { entriesOf, startResidentContainer, type ResidentContainer } from "@skopush/testkit/hardening";
import { createDefaultContainer, skopeoPushToHarbor, type StrategyName } from "skopush";
import { describeResult, scratch, settingsFor, STRATEGIES, uniqueImage, uniqueRepository } from "./support.js";

// Issue 14.4: a progress callback, sync or async, throwing or rejecting, never crashes a push nor leaves
// anything behind (the staged archive, an auth.json with the credentials). An async callback that
// rejected was an unhandled rejection: it ended the process before the push could clean up. Node's
// default would crash this worker; recording them here keeps the evidence.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;
const unhandled: unknown[] = [];
const record = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", record);
  environment = await loadTestEnvironment();
  work = await scratch("callbacks");
  resident = await startResidentContainer({ image: environment.skopeoImage });
});

afterEach(() => void (unhandled.length = 0));

afterAll(async () => {
  process.off("unhandledRejection", record);
  await resident?.remove();
  await work?.cleanup();
});

/** Lets rejections of callbacks still pending reach the unhandledRejection event. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const callbacks: ReadonlyArray<[string, (event: ProgressEvent) => unknown]> = [
  ["an async callback that rejects", async (event) => {
    throw new Error(`callback failed at ${event.percent}%`);
  }],
  ["a sync callback that throws", (event) => {
    throw new Error(`callback failed at ${event.percent}%`);
  }],
];

describe.each<StrategyName>(STRATEGIES)("%s, with a progress callback that fails", (strategy) => {
  it.each(callbacks)("%s: the push succeeds, reads back, and leaves nothing", async (label, callback) => {
    const basic = environment.registry("basic");
    const dirs = { tempDirectory: join(work.dir, `tmp-${strategy}-${label.length}`), cacheDirectory: join(work.dir, `cache-${strategy}-${label.length}`) };
    await mkdir(dirs.tempDirectory);
    await mkdir(dirs.cacheDirectory);
    const image = await uniqueImage(work.dir, `callbacks-${strategy}-${label.length}`);
    const repository = uniqueRepository(`callbacks-${strategy}`);
    let calls = 0;
    const container = createDefaultContainer({ order: [strategy], strategies: settingsFor(resident, dirs), credentialsProviders: false });
    const result = await resolvePusher(container).push({
      archive: image.path,
      destination: `${basic.host}/${repository}:v1`,
      credentials: basic.credentials!,
      tls: { caFile: basic.caFile },
      onProgress: ((event: ProgressEvent) => {
        calls++;
        return callback(event);
      }) as (event: ProgressEvent) => void,
    });
    await settle();

    expect(result.status, describeResult(result)).toBe("success");
    expect(result.status === "success" && result.digest).toBe((await readManifest(basic, repository, "v1")).digest);
    expect(calls).toBeGreaterThan(1);
    expect(unhandled).toEqual([]);
    expect([...entriesOf(dirs.tempDirectory), ...resident.leftovers()]).toEqual([]);
  });
});

describe("the seed API's progressCallback", () => {
  it.each(["docker-exec", "native"] as const)("an async callback that rejects, pushing with %s: success, read back, nothing left", async (strategy) => {
    const basic = environment.registry("basic");
    const tempDirectory = join(work.dir, `seed-tmp-${strategy}`);
    await mkdir(tempDirectory);
    const image = await uniqueImage(work.dir, `callbacks-seed-${strategy}`);
    const repository = `callbacks-seed-${strategy}-${Date.now().toString(36)}`;
    const percents: number[] = [];
    const container = createDefaultContainer({
      order: [strategy],
      strategies: settingsFor(resident, { tempDirectory, cacheDirectory: join(work.dir, `seed-cache-${strategy}`) }),
      credentialsProviders: false,
    });
    const result = await skopeoPushToHarbor({
      tarFile: image.path,
      harborUrl: basic.url,
      username: basic.credentials!.username,
      password: basic.credentials!.password,
      project: "hardening",
      repository,
      tag: "v1",
      caFile: basic.caFile,
      container,
      progressCallback: async (percent) => {
        percents.push(percent);
        await Promise.resolve();
        throw new Error(`the dashboard is down (${percent}%)`);
      },
    });
    await settle();

    expect(result.status, result.message).toBe("success");
    expect(result.digest).toBe((await readManifest(basic, `hardening/${repository}`, "v1")).digest);
    expect(percents.at(-1)).toBe(100);
    expect(unhandled).toEqual([]);
    expect([...entriesOf(tempDirectory), ...resident.leftovers()]).toEqual([]);
  });
});
