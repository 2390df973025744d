import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Effect, Exit, Cause } from "effect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resolvePusher, type ProgressEvent } from "@skopush/core";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import {
  entriesOf,
  pathsOpenToOthers,
  secretForms,
  startDirectoryWatcher,
  startProcessSampler,
  startResidentContainer,
  textsHoldingSecrets,
  type ResidentContainer,
} from "@skopush/testkit/hardening";
import { createDefaultContainer, type StrategyName } from "skopush";
import { scratch, settingsFor, STRATEGIES, uniqueImage, uniqueRepository } from "./support.js";

// The password never leaves the places it must be: not in any process's argv or environment (sampled
// from /proc while each strategy pushes), not in progress messages, logs, results, or errors (message,
// stack, cause), also not as the base64 `user:pass` an auth header or auth file holds. Files a push writes
// are readable by their owner only while they exist, and gone afterwards.

let environment: TestEnvironment;
let work: Awaited<ReturnType<typeof scratch>>;
let resident: ResidentContainer;

beforeAll(async () => {
  environment = await loadTestEnvironment();
  work = await scratch("secrets");
  resident = await startResidentContainer({ image: environment.skopeoImage });
});

afterAll(async () => {
  await resident?.remove();
  await work?.cleanup();
});

/** Console and stdout/stderr output of this process while `run` runs. */
const capturingOutput = async <A>(run: () => Promise<A>): Promise<{ value: A; output: string[] }> => {
  const output: string[] = [];
  const spies = [
    ...(["log", "info", "warn", "error", "debug"] as const).map((name) => vi.spyOn(console, name).mockImplementation((...args: unknown[]) => void output.push(args.map(String).join(" ")))),
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (output.push(String(chunk)), true)),
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (output.push(String(chunk)), true)),
  ];
  try {
    return { value: await run(), output };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
};

describe.each<StrategyName>(STRATEGIES)("%s, pushing with a password (the library)", (strategy) => {
  const dirsFor = async (label: string) => {
    const tempDirectory = join(work.dir, `tmp-${strategy}-${label}`);
    const cacheDirectory = join(work.dir, `cache-${strategy}-${label}`);
    await mkdir(tempDirectory);
    await mkdir(cacheDirectory);
    return { tempDirectory, cacheDirectory };
  };

  it("no process shows the password (argv, environment), no progress message, log or result holds it; its files are private and gone", async () => {
    const basic = environment.registry("basic");
    const { username, password } = basic.credentials!;
    const secrets = secretForms(username, password);
    const dirs = await dirsFor("ok");
    // Large enough that skopeo runs for many samples.
    const image = await uniqueImage(work.dir, `secrets-${strategy}`, { layers: 3, layerSize: 4 << 20 });
    const repository = uniqueRepository(`secrets-${strategy}`);
    const events: ProgressEvent[] = [];
    const container = createDefaultContainer({ order: [strategy], strategies: settingsFor(resident, dirs), credentialsProviders: false });

    const sampler = startProcessSampler({ secrets, intervalMs: 5 });
    const watcher = startDirectoryWatcher([dirs.tempDirectory, dirs.cacheDirectory, resident.sharedDir], 5);
    const { value: result, output } = await capturingOutput(() =>
      resolvePusher(container).push({
        archive: image.path,
        destination: `${basic.host}/${repository}:v1`,
        credentials: { username, password },
        tls: { caFile: basic.caFile },
        onProgress: (event) => events.push(event),
      }),
    );
    const seen = await sampler.stop();
    const written = await watcher.stop();

    expect(result.status, JSON.stringify(result)).toBe("success");
    expect(result.status === "success" && result.digest).toBe((await readManifest(basic, repository, "v1")).digest);
    expect(seen.samples).toBeGreaterThan(3);
    expect(seen.sightings).toEqual([]);
    expect(textsHoldingSecrets([...events.map((e) => e.message), ...output, JSON.stringify(result)], secrets)).toEqual([]);
    // The skopeo strategies wrote an authfile; every path written was private (0600 files, 0700 directories).
    if (strategy !== "registry") expect(written.filter((entry) => entry.path.endsWith("/auth.json"))).toHaveLength(1);
    expect(written.length).toBeGreaterThan(0);
    expect(pathsOpenToOthers(written, image.path)).toEqual([]);
    expect([...entriesOf(dirs.tempDirectory), ...resident.leftovers()]).toEqual([]);
  });

  it("a wrong password appears in no error (message, stack, cause, attempts), result, progress message or log", async () => {
    const basic = environment.registry("basic");
    const username = basic.credentials!.username;
    const wrong = `wrong:pa$$-${randomBytes(6).toString("hex")}`;
    const secrets = secretForms(username, wrong);
    const dirs = await dirsFor("wrong");
    const image = await uniqueImage(work.dir, `secrets-wrong-${strategy}`);
    const events: ProgressEvent[] = [];
    const container = createDefaultContainer({ order: [strategy], strategies: settingsFor(resident, dirs), credentialsProviders: false });
    const options = {
      archive: image.path,
      destination: `${basic.host}/${uniqueRepository(`secrets-wrong-${strategy}`)}:v1`,
      credentials: { username, password: wrong },
      tls: { caFile: basic.caFile },
      onProgress: (event: ProgressEvent) => events.push(event),
    };
    const sampler = startProcessSampler({ secrets, intervalMs: 5 });
    const { value: exit, output } = await capturingOutput(() => Effect.runPromiseExit(resolvePusher(container).pushEffect(options)));
    const { value: result } = await capturingOutput(() => resolvePusher(container).push(options));
    const seen = await sampler.stop();

    expect(Exit.isFailure(exit)).toBe(true);
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined;
    expect(result).toMatchObject({ status: "error", error: "AuthenticationFailed" });
    const texts: string[] = [Cause.pretty(Exit.isFailure(exit) ? exit.cause : Cause.empty), JSON.stringify(result), ...events.map((e) => e.message), ...output];
    // The error, its reason and their causes, each with message and stack.
    for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
      const { message, stack, reason, cause } = current as { message?: unknown; stack?: unknown; reason?: unknown; cause?: unknown };
      texts.push(String(message), String(stack));
      current = typeof reason === "object" ? reason : cause;
    }
    expect(texts.some((text) => text.includes("AuthenticationFailed") || text.includes("authentication"))).toBe(true);
    expect(textsHoldingSecrets(texts, secrets)).toEqual([]);
    expect(seen.sightings).toEqual([]);
    expect([...entriesOf(dirs.tempDirectory), ...resident.leftovers()]).toEqual([]);
  });
});
