import "reflect-metadata";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestEnvironment, stopTestEnvironment } from "@skopush/testkit/environment";
import { Cleanup } from "./cleanup.js";
import { runFallthrough } from "./fallthrough/run-fallthrough.js";
import { benchContainerName, removeContainer, startResidentContainer, type ResidentContainer } from "./fixtures/resident-container.js";
import { describeMachine, LoadWatch } from "./machine.js";
import { parseBenchOptions } from "./options.js";
import { runPushBench } from "./push-bench.js";
import { runPushManyBench } from "./push-many/push-many-bench.js";
import { BENCH_ROWS, OVERHEAD_TARGETS } from "./rows/index.js";
import { runStartupBench } from "./startup/startup-bench.js";
import { formatOverheads, formatPhases, formatTable } from "./table.js";

const options = parseBenchOptions(process.argv.slice(2));
if (options === undefined) process.exit(0);

const rows = BENCH_ROWS.filter((row) => options.rows.includes(row.name));
const needsContainer = options.fallthrough || (options.pushes && rows.some((row) => row.usesContainer));
const log = (line: string) => console.log(line);
const cleanup = new Cleanup();
cleanup.onSignals();

const main = async () => {
  const load = new LoadWatch();
  cleanup.add("stop watching the load", async () => load.stop());
  const work = await mkdtemp(join(tmpdir(), "skopush-bench-"));
  cleanup.add(`remove ${work}`, () => rm(work, { recursive: true, force: true }));
  const stateDir = join(work, "env");
  cleanup.add("stop the test environment", () => stopTestEnvironment({ stateDir }));
  const env = (await startTestEnvironment({ stateDir, registries: [options.registry], skopeoImage: needsContainer })).environment;
  // After the environment is up: it may have started the Docker daemon whose version this prints.
  console.log(describeMachine());
  console.log(
    `image: ${options.layers} layers, compressibility ${options.compressibilityText}, sizes ${options.sizesMib.map((s) => `${s} MiB`).join(", ")}; ` +
      `registry ${options.registry}; ${options.runs} rounds of 1 cold + ${options.warmRuns} warm pushes per row\n`,
  );

  let container: ResidentContainer | undefined;
  if (needsContainer) {
    const name = benchContainerName("resident");
    cleanup.add(`remove container ${name}`, () => removeContainer(name));
    container = await startResidentContainer(name, env.skopeoImage, join(work, "shared"));
    log(`resident container ${name} (${env.skopeoImage}, --network host, cgroup v${container.cgroup.version} ${container.cgroup.directory})`);
  }

  if (options.startup) {
    const table = await runStartupBench({
      work,
      stateDir,
      registry: options.registry,
      rounds: options.runs,
      warmRuns: options.warmRuns,
      versionRuns: options.versionRuns,
      log,
    });
    console.log(`\n${table}\n`);
  }
  if (options.pushes && rows.length > 0) {
    const results = await runPushBench({ options, rows, work, stateDir, container, log });
    console.log(`\n${formatTable(results)}`);
    console.log(`\nOverhead over the raw command (✓ within the target, ✗ not):\n\n${formatOverheads(results, OVERHEAD_TARGETS)}`);
    console.log(`\nWhere the strategy rows' time goes (medians):\n\n${formatPhases(results)}`);
  }
  if (options.fallthrough) {
    const registry = env.registry(options.registry);
    const tables = await runFallthrough({
      work,
      cleanup,
      skopeoImage: env.skopeoImage,
      registryHost: registry.host,
      rounds: options.fallthroughRuns,
      freshRounds: options.fallthroughFreshRuns,
      log,
    });
    console.log(`\nFalling through unavailable strategies (extra time of FallbackChain([unavailable…, registry]) over FallbackChain([registry]), medians):\n\n${tables}`);
  }
  if (options.pushMany) {
    const table = await runPushManyBench({
      work,
      stateDir,
      environment: env,
      registry: options.registry,
      images: options.manyImages,
      baseMib: options.manyBaseMib,
      ownMib: options.manyOwnMib,
      rounds: options.manyRuns,
      log,
    });
    console.log(`\nOne push-many against a shell script of skopeo copy processes:\n\n${table}`);
  }
  console.log(`\n${load.summary()}`);
};

try {
  await main();
} finally {
  await cleanup.run();
}
