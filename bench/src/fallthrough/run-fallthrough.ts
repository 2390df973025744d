import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import type { Cleanup } from "../cleanup.js";
import { makeDeadSocket } from "../fixtures/dead-socket.js";
import { benchContainerName, CONTAINER_SHARED_DIR, createStoppedContainer, removeContainer } from "../fixtures/resident-container.js";
import { runMeasured } from "../measure.js";
import { median } from "../stats.js";
import type { FallthroughContext } from "./fallthrough-context.js";
import type { FreshReport, InProcessReport } from "./fallthrough-child.js";
import { BASELINE, SCENARIOS } from "./scenarios.js";

/** Options of {@link runFallthrough}. */
export interface FallthroughOptions {
  readonly work: string;
  readonly cleanup: Cleanup;
  /** The local skopeo image, for the stopped container. */
  readonly skopeoImage: string;
  /** `host:port` of the plain registry the working strategy pushes to. */
  readonly registryHost: string;
  /** Recorded rounds in one process. */
  readonly rounds: number;
  /** Rounds of fresh processes. */
  readonly freshRounds: number;
  readonly log: (line: string) => void;
}

/** The budget per unavailable strategy. */
const TARGET_MS = 50;

/** Packages whose loading every process with them in its chain pays, available or not. */
const LOADED_MODULES = ["@skopush/strategy-docker-exec", "@skopush/strategy-dockerode", "@skopush/strategy-native", "@skopush/strategy-registry"];

const child = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const lastLine = (stdout: string) => stdout.trim().split("\n").at(-1) ?? "";
const ms = (x: number) => `${x.toFixed(1)} ms`;
const signedMs = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)} ms`;

const prepare = async (options: FallthroughOptions): Promise<FallthroughContext> => {
  const dir = join(options.work, "fallthrough");
  const sharedDir = join(dir, "shared");
  const emptyPathDir = join(dir, "empty-path");
  await mkdir(sharedDir, { recursive: true });
  await mkdir(emptyPathDir, { recursive: true });
  const stoppedContainer = benchContainerName("stopped");
  options.cleanup.add(`remove container ${stoppedContainer}`, () => removeContainer(stoppedContainer));
  await createStoppedContainer(stoppedContainer, options.skopeoImage, sharedDir);
  const deadSocket = join(dir, "dead-docker.sock");
  await makeDeadSocket(deadSocket);
  const archive = join(dir, "small.tar");
  await writeImageArchive(archive, { format: "docker-legacy", layers: 2, layerSize: 2 ** 20, compressibility: 0.5, seed: "fallthrough" });
  return {
    sharedDir: { hostPath: sharedDir, containerPath: CONTAINER_SHARED_DIR },
    missingContainer: benchContainerName("missing"),
    stoppedContainer,
    emptyPathDir,
    deadDockerHost: `unix://${deadSocket}`,
    destination: `${options.registryHost}/bench/fallthrough:1`,
    archive,
    blobInfoCacheDir: join(dir, "blob-info-cache"),
  };
};

const runChild = async (args: ReadonlyArray<string>) => {
  const measured = await runMeasured({ file: process.execPath, args });
  if (measured.exitCode !== 0) throw new Error(`${args[0]} failed (${measured.exitCode}): ${measured.stderr.slice(-2000)}`);
  return measured;
};

/**
 * The cost of falling through unavailable strategies: `FallbackChain([unavailable…, registry])` against
 * `FallbackChain([registry])` (the registry strategy re-pushing a small image, every blob present), as
 * medians of many pushes in one warm process and of one push per fresh process; and what loading each
 * strategy package costs a process. Returns the tables as Markdown.
 */
export const runFallthrough = async (options: FallthroughOptions): Promise<string> => {
  const context = await prepare(options);
  const contextJson = JSON.stringify(context);
  const names = [BASELINE, ...SCENARIOS.map((s) => s.name)];

  options.log(`  fall-through: ${options.rounds} rounds in one process`);
  const inProcess = JSON.parse(lastLine((await runChild([child("./fallthrough-child.js"), "in-process", contextJson, String(options.rounds)])).stdout)) as InProcessReport;

  const fresh = new Map<string, Array<{ wallMs: number; report: FreshReport }>>(names.map((n) => [n, []]));
  for (let round = 0; round < options.freshRounds; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length] as string)) {
      const measured = await runChild([child("./fallthrough-child.js"), "fresh", contextJson, name]);
      fresh.get(name)?.push({ wallMs: measured.wallMs, report: JSON.parse(lastLine(measured.stdout)) as FreshReport });
    }
    options.log(`  fall-through: fresh-process round ${round + 1} of ${options.freshRounds}`);
  }

  const loads = new Map<string, number[]>(LOADED_MODULES.map((m) => [m, []]));
  for (let round = 0; round < options.freshRounds; round++) {
    for (const module of LOADED_MODULES) {
      const { timings } = JSON.parse(lastLine((await runChild([child("./load-child.js"), module])).stdout)) as { timings: Record<string, number> };
      loads.get(module)?.push(timings[module] ?? Number.NaN);
    }
  }

  const baseIn = median((inProcess[BASELINE] ?? []).map((p) => p.chainMs));
  const baseFreshChain = median((fresh.get(BASELINE) ?? []).map((p) => p.report.chainMs));
  const baseFreshWall = median((fresh.get(BASELINE) ?? []).map((p) => p.wallMs));
  const lines = SCENARIOS.map((scenario) => {
    const count = scenario.unavailable(context).length;
    const pushes = inProcess[scenario.name] ?? [];
    const freshPushes = fresh.get(scenario.name) ?? [];
    const extraIn = median(pushes.map((p) => p.chainMs)) - baseIn;
    const extraFresh = median(freshPushes.map((p) => p.report.chainMs)) - baseFreshChain;
    const extraWall = median(freshPushes.map((p) => p.wallMs)) - baseFreshWall;
    const probeSum = (p: { probeMs: ReadonlyArray<number> }) => p.probeMs.reduce((a, b) => a + b, 0);
    const budget = TARGET_MS * count;
    const worst = Math.max(extraIn, extraFresh);
    const reason = (pushes[0]?.reasons ?? [])
      .map((r) => r.replace(/^unavailable: /, "").split(". Fix:")[0] ?? "")
      .map((r) => (r.length > 80 ? `${r.slice(0, 80)}…` : r))
      .join(" / ");
    return [
      scenario.name,
      signedMs(extraIn),
      ms(median(pushes.map(probeSum))),
      signedMs(extraFresh),
      ms(median(freshPushes.map((p) => probeSum(p.report)))),
      signedMs(extraWall),
      `≤ ${budget} ms ${worst <= budget ? "✓" : "✗"}`,
      reason.replaceAll("|", "\\|"),
    ];
  });
  const header = [
    "unavailable",
    "in-process: extra time",
    "in-process: probe",
    "fresh process: extra time",
    "fresh process: probe",
    "fresh process: extra process time",
    "target",
    "why unavailable (first push)",
  ];
  const table = [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
  const loadTable = [
    "| package | import time in a fresh process, after @skopush/core (median) |",
    "| --- | --- |",
    ...LOADED_MODULES.map((m) => `| ${m} | ${ms(median(loads.get(m) ?? []))} |`),
  ].join("\n");
  const summary =
    `baseline FallbackChain([registry]) re-pushing a 2-layer image: ${ms(baseIn)} in-process (median of ${inProcess[BASELINE]?.length ?? 0}), ` +
    `${ms(baseFreshChain)} as the first push of a fresh process, whose start and module loading took ${ms(median((fresh.get(BASELINE) ?? []).map((p) => p.report.startMs)))} ` +
    `(median of ${fresh.get(BASELINE)?.length ?? 0}; every fresh process loads every strategy package, so loading is the same for all rows)`;
  return `${summary}\n\n${table}\n\n${loadTable}`;
};
