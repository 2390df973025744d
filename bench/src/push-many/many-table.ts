import { median } from "../stats.js";

/** One row's push of the whole list. */
export interface ManyRun {
  readonly wallMs: number;
  /** Blob bytes the registry received (PATCH and upload PUT bodies, through the recording proxy). */
  readonly uploadedBytes: number;
  readonly uploadRequests: number;
  /** For skopush rows: the strategies that pushed, from the JSON report. */
  readonly strategies?: string | undefined;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const times = (x: number) => `${x.toFixed(2)}×`;

/** The section's table: median wall time and bytes uploaded per row, each as a ratio to the first shell row (`skopeo copy` one after another). */
export const formatMany = (
  runs: ReadonlyMap<string, ReadonlyArray<ManyRun>>,
  image: { readonly images: number; readonly baseBytes: number; readonly ownBytes: number },
): string => {
  const rows = [...runs].map(([name, list]) => ({
    name,
    wallMs: median(list.map((r) => r.wallMs)),
    bytes: median(list.map((r) => r.uploadedBytes)),
    requests: median(list.map((r) => r.uploadRequests)),
    strategies: [...new Set(list.map((r) => r.strategies).filter((s) => s !== undefined))].join("; "),
    rounds: list.length,
  }));
  const baseline = rows.find((row) => row.name.startsWith("skopeo copy")) ?? rows[0];
  const header = `${image.images} images, each a shared ${mib(image.baseBytes)} base layer and a ${mib(image.ownBytes)} layer of its own (contents ${mib(image.images * image.ownBytes + image.baseBytes)} distinct, ${mib(image.images * (image.ownBytes + image.baseBytes))} in all); medians of ${rows[0]?.rounds ?? 0} rounds`;
  const lines = [
    "| row | wall | × skopeo one after another | uploaded | × skopeo one after another | upload requests | pushed by |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (row) =>
        `| ${row.name} | ${(row.wallMs / 1000).toFixed(1)} s | ${times(row.wallMs / (baseline?.wallMs ?? Number.NaN))} | ${mib(row.bytes)} | ${times(row.bytes / (baseline?.bytes ?? Number.NaN))} | ${row.requests} | ${row.strategies || "skopeo"} |`,
    ),
  ];
  return `${header}\n\n${lines.join("\n")}`;
};
