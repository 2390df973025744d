import { join } from "node:path";
import { readManifest, resetRegistryStorage } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { runMeasured, type Measured } from "../measure.js";
import { startupEnvironment, startupPushers, versionCommands, type StartupContext } from "./startup-commands.js";
import { formatStartup, type StartupResults } from "./startup-table.js";

/** What the start-up section runs with. */
export interface StartupBenchOptions {
  readonly work: string;
  readonly stateDir: string;
  readonly registry: "plain" | "tls";
  readonly rounds: number;
  readonly warmRuns: number;
  /** `node -e 0` and `skopush --version`, each, per round. */
  readonly versionRuns: number;
  readonly log: (line: string) => void;
}

/** The issue's image: a 231 MB docker-archive of 4 layers, half text and half random per MiB, like the main table's. */
const IMAGE = { layers: 4, totalBytes: 231_000_000 } as const;

const ok = (measured: Measured, what: string): Measured => {
  if (measured.exitCode !== 0) throw new Error(`${what} failed (${measured.exitCode}): ${measured.stderr.slice(-2000)}`);
  return measured;
};

/**
 * The start-up section: whole processes of the `skopush` command as users run it (the installed bin: the
 * one-file bundle), side by side with `node -e 0` and raw `skopeo copy`, rows interleaved round by round.
 * Before measuring, one unmeasured round fills the page cache and skopush's compile cache (what every run
 * after the first of a command has). Each cold push is checked by reading the manifest back.
 */
export const runStartupBench = async (options: StartupBenchOptions): Promise<string> => {
  const archive = join(options.work, "startup-image.tar");
  await writeImageArchive(archive, {
    format: "docker-legacy",
    layers: IMAGE.layers,
    layerSize: Math.floor(IMAGE.totalBytes / IMAGE.layers),
    compressibility: 0.5,
    seed: "bench-startup",
  });
  const { env, note } = startupEnvironment();
  const context: StartupContext = { archive, work: join(options.work, "startup"), env };
  const pushers = await startupPushers(context);
  const versions = versionCommands(context);
  const results: StartupResults = { note, node: [], version: [], pushes: new Map(pushers.map((p) => [p.name, { cold: [], warm: [] }])) };

  for (let round = -1; round < options.rounds; round++) {
    const measuring = round >= 0;
    for (let i = 0; i < options.versionRuns; i++) {
      const node = ok(await runMeasured(versions.node), "node -e 0");
      const version = ok(await runMeasured(versions.skopush), "skopush --version");
      if (measuring) {
        results.node.push(node);
        results.version.push(version);
      }
    }
    for (const pusher of pushers) {
      const registry = await resetRegistryStorage(options.registry, { stateDir: options.stateDir });
      const destination = `${registry.host}/bench/startup:${pusher.name.replace(/\W+/g, "-")}`;
      await pusher.clearCaches();
      const cold = ok(await runMeasured(pusher.command(destination)), `${pusher.name} cold push`);
      const stored = await readManifest(registry, "bench/startup", pusher.name.replace(/\W+/g, "-"));
      if (stored.json.layers?.length !== IMAGE.layers) throw new Error(`${pusher.name} pushed ${stored.json.layers?.length} layers, not ${IMAGE.layers}`);
      const warm: Measured[] = [];
      for (let w = 0; w < options.warmRuns; w++) warm.push(ok(await runMeasured(pusher.command(destination)), `${pusher.name} warm push`));
      if (measuring) {
        results.pushes.get(pusher.name)?.cold.push(cold);
        results.pushes.get(pusher.name)?.warm.push(...warm);
      }
      const ms = (m: Measured) => `${m.wallMs.toFixed(0)} ms`;
      options.log(`  start-up, ${measuring ? `round ${round + 1}` : "unmeasured first round"}: ${pusher.name}: cold ${ms(cold)}, warm ${warm.map(ms).join(" / ")}`);
    }
  }
  return formatStartup(results, `${(IMAGE.totalBytes / 1e6).toFixed(0)} MB, ${IMAGE.layers} layers`);
};
