import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readManifest, resetRegistryStorage, startTestEnvironment, stopTestEnvironment } from "@skopush/testkit/environment";
import { writeImageArchive, type Compressibility } from "@skopush/testkit/fixtures";
import type { BenchRow, PushJob } from "./bench-row.js";
import { runMeasured, type Measured } from "./measure.js";
import { BENCH_ROWS } from "./rows/index.js";
import { formatTable, type RowResult } from "./table.js";

const USAGE = `npm run bench -- [options]
  --size-mib N           image size (sum of layer contents) (default 256)
  --layers N             layers (default 8)
  --compressibility C    random | compressible | a text fraction 0..1 (default 0.5)
  --large                also run a 1 GiB image (slow)
  --runs N               cold+warm rounds per row; the table shows the median (default 3)
  --warm-runs N          warm pushes per round (default 3)
  --rows a,b             only these rows (names as in the table, comma-separated)
  --registry plain|tls   the registry kind pushed to (default plain)`;

const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "256" },
    layers: { type: "string", default: "8" },
    compressibility: { type: "string", default: "0.5" },
    large: { type: "boolean", default: false },
    runs: { type: "string", default: "3" },
    "warm-runs": { type: "string", default: "3" },
    rows: { type: "string" },
    registry: { type: "string", default: "plain" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const compressibility: Compressibility =
  values.compressibility === "random" || values.compressibility === "compressible" ? values.compressibility : Number(values.compressibility);
const kind = values.registry === "tls" ? "tls" : "plain";
const rows = values.rows === undefined ? BENCH_ROWS : BENCH_ROWS.filter((row) => values.rows?.split(",").includes(row.name));
const sizes = [Number(values["size-mib"]), ...(values.large ? [1024] : [])];
const runs = Number(values.runs);
const warmRuns = Number(values["warm-runs"]);
const layerCount = Number(values.layers);

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const pushMsOf = (measured: Measured): number | undefined => {
  const last = measured.stdout.trim().split("\n").at(-1);
  try {
    const parsed = JSON.parse(last ?? "") as { pushMs?: unknown };
    return typeof parsed.pushMs === "number" ? parsed.pushMs : undefined;
  } catch {
    return undefined;
  }
};

const machine = (): string => {
  const skopeo = (() => {
    try {
      return execFileSync("skopeo", ["--version"], { encoding: "utf8" }).trim();
    } catch {
      return "skopeo: not found";
    }
  })();
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return [
    `date: ${new Date().toISOString()}`,
    `machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; load average at start ${loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    `node ${process.version}; ${skopeo}`,
  ].join("\n");
};

const main = async () => {
  const work = await mkdtemp(join(tmpdir(), "skopush-bench-"));
  const stateDir = join(work, "env");
  console.log(machine());
  console.log(`image: ${layerCount} layers, compressibility ${values.compressibility}, sizes ${sizes.map((s) => `${s} MiB`).join(", ")}; registry ${kind}; ${runs} rounds\n`);
  try {
    const env = (await startTestEnvironment({ stateDir, registries: [kind], skopeoImage: false })).environment;
    const results: RowResult[] = [];
    for (const sizeMib of sizes) {
      const archive = join(work, `image-${sizeMib}.tar`);
      const perLayer = Math.floor((sizeMib * 2 ** 20) / layerCount);
      const image = await writeImageArchive(archive, { format: "docker-legacy", layers: layerCount, layerSize: perLayer, compressibility, seed: `bench-${sizeMib}` });
      const collected = new Map<BenchRow, { cold: Measured[]; warm: Measured[]; bytes: number[] }>(rows.map((row) => [row, { cold: [], warm: [], bytes: [] }]));
      for (let round = 0; round < runs; round++) {
        for (const row of rows) {
          const registry = await resetRegistryStorage(kind, { stateDir });
          const rowDir = join(work, "rows", `${row.name.replace(/\W+/g, "-")}-${sizeMib}`);
          await mkdir(rowDir, { recursive: true });
          const job: PushJob = {
            archive,
            destination: `${registry.host}/bench/image:${sizeMib}`,
            scheme: registry.scheme,
            caFile: registry.caFile,
            certDir: registry.certDir,
            rowDir,
          };
          await row.clearClientCaches(job);
          const cold = await runMeasured(row.command(job));
          if (cold.exitCode !== 0) throw new Error(`${row.name} cold push failed (${cold.exitCode}): ${cold.stderr.slice(-2000)}`);
          const stored = await readManifest(registry, "bench/image", String(sizeMib));
          if (stored.json.layers?.length !== image.layers.length) throw new Error(`${row.name} pushed ${stored.json.layers?.length} layers, not ${image.layers.length}`);
          const entry = collected.get(row)!;
          entry.cold.push(cold);
          entry.bytes.push((stored.json.layers ?? []).reduce((sum, l) => sum + l.size, 0));
          for (let w = 0; w < warmRuns; w++) {
            const warm = await runMeasured(row.command(job));
            if (warm.exitCode !== 0) throw new Error(`${row.name} warm push failed (${warm.exitCode}): ${warm.stderr.slice(-2000)}`);
            entry.warm.push(warm);
          }
          console.log(`  ${sizeMib} MiB, round ${round + 1}: ${row.name} cold ${(cold.wallMs / 1000).toFixed(2)} s, warm ${entry.warm.slice(-warmRuns).map((m) => m.wallMs.toFixed(0)).join("/")} ms`);
        }
      }
      for (const row of rows) {
        const { cold, warm, bytes } = collected.get(row)!;
        const pushTimes = (ms: Measured[]) => ms.map(pushMsOf).filter((x): x is number => x !== undefined);
        results.push({
          image: `${sizeMib} MiB, ${layerCount} layers`,
          row: row.name,
          coldWallMs: median(cold.map((m) => m.wallMs)),
          coldPushMs: pushTimes(cold).length ? median(pushTimes(cold)) : undefined,
          warmWallMs: median(warm.map((m) => m.wallMs)),
          warmPushMs: pushTimes(warm).length ? median(pushTimes(warm)) : undefined,
          coldPeakRssBytes: Math.max(...cold.map((m) => m.peakRssBytes)),
          warmPeakRssBytes: Math.max(...warm.map((m) => m.peakRssBytes)),
          pushedBytes: median(bytes),
          sourceBytes: image.totalBytes,
        });
      }
    }
    console.log(`\n${formatTable(results)}`);
  } finally {
    await stopTestEnvironment({ stateDir }).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
};

await main();
