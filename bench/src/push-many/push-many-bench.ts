import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { readManifest, resetRegistryStorage, type TestEnvironment } from "@skopush/testkit/environment";
import { startRegistryProxy } from "@skopush/testkit/hardening";
import { runMeasured } from "../measure.js";
import { startupEnvironment } from "../startup/startup-commands.js";
import { writeManyImages, writePlanAndList } from "./many-images.js";
import { manyRows, type ManyRow } from "./many-rows.js";
import { formatMany, type ManyRun } from "./many-table.js";

/** What the push-many section runs with. */
export interface PushManyBenchOptions {
  readonly work: string;
  readonly stateDir: string;
  readonly environment: TestEnvironment;
  readonly registry: "plain" | "tls";
  readonly images: number;
  readonly baseMib: number;
  readonly ownMib: number;
  readonly rounds: number;
  readonly log: (line: string) => void;
}

/** The strategies a skopush row's JSON report names, e.g. `registry ×20`. */
const strategiesOf = (stdout: string): string => {
  const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { items?: ReadonlyArray<{ strategy?: string }> };
  const counts = new Map<string, number>();
  for (const item of report.items ?? []) counts.set(item.strategy ?? "?", (counts.get(item.strategy ?? "?") ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} ×${n}`).join(", ");
};

/**
 * One row's push of every image to an emptied registry, through a recording proxy on loopback that counts
 * the blob bytes each row sends; every tag is read back afterwards.
 */
const runRow = async (row: ManyRow, options: PushManyBenchOptions, work: string): Promise<ManyRun> => {
  const registry = await resetRegistryStorage(options.registry, { stateDir: options.stateDir });
  const certificates = options.environment.state.certificates;
  const proxy = await startRegistryProxy({
    upstream: registry.url,
    caFile: registry.caFile,
    tls: registry.url.startsWith("https:") ? { certFile: certificates.serverCert, keyFile: certificates.serverKey } : undefined,
  });
  try {
    const many = await manyImagesOnce(options);
    const files = await writePlanAndList(work, many, proxy.host);
    await row.clearCaches();
    const measured = await runMeasured(row.command(files));
    if (measured.exitCode !== 0) throw new Error(`${row.name} failed (${measured.exitCode}): ${measured.stderr.slice(-2000)}`);
    for (const image of many.images) {
      const stored = await readManifest(registry, image.repository, "v1");
      if (stored.json.layers?.length !== 2) throw new Error(`${row.name}: ${image.repository}:v1 has ${stored.json.layers?.length} layers, not 2`);
    }
    const uploads = proxy.blobUploads();
    return {
      wallMs: measured.wallMs,
      uploadedBytes: uploads.reduce((sum, r) => sum + r.bodyBytes, 0),
      uploadRequests: uploads.length,
      strategies: row.reports ? strategiesOf(measured.stdout) : undefined,
    };
  } finally {
    await proxy.close();
  }
};

let written: Promise<Awaited<ReturnType<typeof writeManyImages>>> | undefined;
const manyImagesOnce = (options: PushManyBenchOptions) => {
  written ??= mkdir(join(options.work, "many-images"), { recursive: true }).then(() =>
    writeManyImages(join(options.work, "many-images"), options.images, options.baseMib, options.ownMib),
  );
  return written;
};

/**
 * The push-many section: N images sharing a base layer, pushed by one `skopush push-many` (registry, and
 * the default chain) and by a shell script of N `skopeo copy` processes (one after another, and
 * `xargs -P 3`), each run to a freshly emptied registry with emptied caches, rows interleaved round by round.
 */
export const runPushManyBench = async (options: PushManyBenchOptions): Promise<string> => {
  const work = join(options.work, "push-many");
  await mkdir(work, { recursive: true });
  const many = await manyImagesOnce(options);
  options.log(`push-many: ${options.images} images, a shared ${options.baseMib} MiB base layer and a ${options.ownMib} MiB layer each, registry ${options.registry}`);
  const rows = await manyRows(work, startupEnvironment().env);
  const runs = new Map<string, ManyRun[]>(rows.map((row) => [row.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const row of rows) {
      const result = await runRow(row, options, work);
      runs.get(row.name)?.push(result);
      options.log(
        `  push-many, round ${round + 1}: ${row.name}: ${(result.wallMs / 1000).toFixed(1)} s, ${(result.uploadedBytes / 2 ** 20).toFixed(1)} MiB in ${result.uploadRequests} upload requests${result.strategies ? ` (${result.strategies})` : ""}`,
      );
    }
  }
  return formatMany(runs, { images: options.images, baseBytes: many.baseBytes, ownBytes: many.ownBytes });
};
