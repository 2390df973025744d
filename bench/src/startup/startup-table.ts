import type { Measured } from "../measure.js";
import { median } from "../stats.js";

/** Every measured process of the start-up section. */
export interface StartupResults {
  /** Why the environment differs from the bench's own, if it does. */
  readonly note?: string | undefined;
  readonly node: Measured[];
  readonly version: Measured[];
  /** By pusher name (`skopeo copy`, `skopush native`, `skopush registry`). */
  readonly pushes: Map<string, { readonly cold: Measured[]; readonly warm: Measured[] }>;
}

/** The start-up targets of issue 16, as ratios within one run (and an RSS bound). */
export const STARTUP_TARGETS = { version: 1.5, warm: 4, cold: 1.05, warmRssMiB: 60 } as const;

const wall = (ms: ReadonlyArray<Measured>) => median(ms.map((m) => m.wallMs));
const fastest = (ms: ReadonlyArray<Measured>) => Math.min(...ms.map((m) => m.wallMs));
const time = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const check = (value: number, target: number) => `${value.toFixed(2)} ${value <= target ? "✓" : "✗"}`;
const markdown = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>) =>
  [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");

/** The highest peak RSS of the `skopush` process itself (Node: program `node`), over the runs. */
const skopushPeak = (ms: ReadonlyArray<Measured>): number =>
  Math.max(...ms.flatMap((m) => m.processes.filter((p) => p.place === "host" && p.program === "node").map((p) => p.peakRssBytes)));
/** The highest peak RSS of any skopeo process of the runs. */
const skopeoPeak = (ms: ReadonlyArray<Measured>): number =>
  Math.max(0, ...ms.flatMap((m) => m.processes.filter((p) => p.program === "skopeo").map((p) => p.peakRssBytes)));

/** The start-up tables: every row's times and peak RSS, then each target with its ratio. */
export const formatStartup = (results: StartupResults, image: string): string => {
  const rows: string[][] = [
    ["node -e 0", time(wall(results.node)), time(fastest(results.node)), "–", "–", mib(skopushPeak(results.node)), "–"],
    ["skopush --version", time(wall(results.version)), time(fastest(results.version)), "–", "–", mib(skopushPeak(results.version)), "–"],
  ];
  for (const [name, { cold, warm }] of results.pushes) {
    const node = name.startsWith("skopush");
    rows.push([
      name,
      "–",
      "–",
      time(wall(cold)),
      `${time(wall(warm))} (fastest ${time(fastest(warm))})`,
      node ? mib(skopushPeak(warm)) : "–",
      mib(skopeoPeak([...cold, ...warm])),
    ]);
  }
  const skopeo = results.pushes.get("skopeo copy");
  const targets: string[][] = [
    ["`skopush --version` / `node -e 0`", check(wall(results.version) / wall(results.node), STARTUP_TARGETS.version), `≤ ${STARTUP_TARGETS.version}`],
  ];
  for (const [name, { cold, warm }] of results.pushes) {
    if (name === "skopeo copy" || skopeo === undefined) continue;
    targets.push([`warm re-push, ${name} / skopeo copy`, check(wall(warm) / wall(skopeo.warm), STARTUP_TARGETS.warm), `≤ ${STARTUP_TARGETS.warm}`]);
    const peak = skopushPeak(warm) / 2 ** 20;
    targets.push([`warm re-push, ${name}: peak RSS of the skopush process`, `${peak.toFixed(1)} MiB ${peak <= STARTUP_TARGETS.warmRssMiB ? "✓" : "✗"}`, `≤ ${STARTUP_TARGETS.warmRssMiB} MiB`]);
    targets.push([`cold push, ${name} / skopeo copy`, check(wall(cold) / wall(skopeo.cold), STARTUP_TARGETS.cold), `≤ ${STARTUP_TARGETS.cold}`]);
  }
  return [
    `Start-up: whole processes, ${image}, medians of ${results.version.length} start-ups and ${skopeo?.cold.length ?? 0} rounds of 1 cold + ${(skopeo?.warm.length ?? 0) / Math.max(1, skopeo?.cold.length ?? 1)} warm pushes; \`skopush\` is the installed command (the bundle, compile cache filled by the unmeasured first round)${results.note ? `; ${results.note}` : ""}:`,
    "",
    markdown(["row", "start-up", "fastest start-up", "cold push", "warm re-push", "peak RSS warm (skopush process)", "peak RSS (skopeo)"], rows),
    "",
    markdown(["target", "measured", "target"], targets),
  ].join("\n");
};
