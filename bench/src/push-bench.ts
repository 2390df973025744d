import { cp, link, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { readManifest, resetRegistryStorage } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import type { BenchRow, PushJob } from "./bench-row.js";
import { linkedArchiveHostPath, linkedArchiveName, type ResidentContainer } from "./fixtures/resident-container.js";
import { runMeasured, type Measured } from "./measure.js";
import type { BenchOptions } from "./options.js";
import type { RowMeasurements, RowRound } from "./table.js";

/** What the push rounds run with. */
export interface PushBenchContext {
  readonly options: BenchOptions;
  readonly rows: ReadonlyArray<BenchRow>;
  readonly work: string;
  readonly stateDir: string;
  readonly container?: ResidentContainer | undefined;
  readonly log: (line: string) => void;
}

const describe = (m: Measured) => `${m.wallMs.toFixed(0)} ms`;

/**
 * For each image size: writes the archive (and hard-links it into the container's shared directory), then
 * runs the rounds: in each, every row in turn pushes cold (registry storage and the row's client caches
 * emptied) and then warm `warmRuns` times. Each cold push is checked by reading the manifest back.
 */
export const runPushBench = async (context: PushBenchContext): Promise<RowMeasurements[]> => {
  const { options, rows, work, container } = context;
  const results: RowMeasurements[] = [];
  for (const sizeMib of options.sizesMib) {
    const archive = join(work, `image-${sizeMib}.tar`);
    const perLayer = Math.floor((sizeMib * 2 ** 20) / options.layers);
    const image = await writeImageArchive(archive, {
      format: "docker-legacy",
      layers: options.layers,
      layerSize: perLayer,
      compressibility: options.compressibility,
      seed: `bench-${sizeMib}`,
    });
    if (container) await link(archive, linkedArchiveHostPath(container, sizeMib));
    const label = `${sizeMib} MiB, ${options.layers} layers`;
    const collected = new Map<BenchRow, RowRound[]>(rows.map((row) => [row, []]));
    for (let round = 0; round < options.runs; round++) {
      for (const row of rows) {
        const registry = await resetRegistryStorage(options.registry, { stateDir: context.stateDir });
        const rowDir = join(work, "rows", `${row.name.replace(/\W+/g, "-")}-${sizeMib}`);
        await mkdir(rowDir, { recursive: true });
        let certDirInContainer: string | undefined;
        if (container && registry.certDir !== undefined) {
          certDirInContainer = `${container.containerSharedDir}/certs.d`;
          await cp(registry.certDir, join(container.hostSharedDir, "certs.d"), { recursive: true, force: true });
        }
        const job: PushJob = {
          archive,
          archiveInContainer: container ? `${container.containerSharedDir}/${linkedArchiveName(sizeMib)}` : undefined,
          destination: `${registry.host}/bench/image:${sizeMib}`,
          scheme: registry.scheme,
          caFile: registry.caFile,
          certDir: registry.certDir,
          certDirInContainer,
          rowDir,
          container,
        };
        const measureOptions = { container: row.usesContainer ? container?.cgroup : undefined };
        await row.clearClientCaches(job);
        const cold = await runMeasured(row.command(job), measureOptions);
        if (cold.exitCode !== 0) throw new Error(`${row.name} cold push failed (${cold.exitCode}): ${cold.stderr.slice(-2000)}`);
        const stored = await readManifest(registry, "bench/image", String(sizeMib));
        if (stored.json.layers?.length !== image.layers.length) throw new Error(`${row.name} pushed ${stored.json.layers?.length} layers, not ${image.layers.length}`);
        const warm: Measured[] = [];
        for (let w = 0; w < options.warmRuns; w++) {
          const measured = await runMeasured(row.command(job), measureOptions);
          if (measured.exitCode !== 0) throw new Error(`${row.name} warm push failed (${measured.exitCode}): ${measured.stderr.slice(-2000)}`);
          warm.push(measured);
        }
        collected.get(row)?.push({ cold, warm, pushedBytes: (stored.json.layers ?? []).reduce((sum, l) => sum + l.size, 0) });
        context.log(`  ${label}, round ${round + 1}: ${row.name}: cold ${describe(cold)}, warm ${warm.map(describe).join(" / ")}`);
      }
    }
    for (const row of rows) results.push({ image: label, row: row.name, rounds: collected.get(row) ?? [], sourceBytes: image.totalBytes });
  }
  return results;
};
