import { parseArgs } from "node:util";
import type { Compressibility } from "@skopush/testkit/fixtures";
import { BENCH_ROWS } from "./rows/index.js";

/** How `npm run bench` was asked to run. */
export interface BenchOptions {
  readonly sizesMib: ReadonlyArray<number>;
  readonly layers: number;
  readonly compressibility: Compressibility;
  readonly compressibilityText: string;
  readonly runs: number;
  readonly warmRuns: number;
  readonly rows: ReadonlyArray<string>;
  readonly registry: "plain" | "tls";
  readonly pushes: boolean;
  readonly fallthrough: boolean;
  readonly fallthroughRuns: number;
  readonly fallthroughFreshRuns: number;
  /** Run the start-up section (the `skopush` command's whole processes). */
  readonly startup: boolean;
  /** `node -e 0` and `skopush --version` runs per start-up round. */
  readonly versionRuns: number;
  /** Run the push-many section (one `skopush push-many` against N `skopeo copy` processes). */
  readonly pushMany: boolean;
  readonly manyImages: number;
  readonly manyBaseMib: number;
  readonly manyOwnMib: number;
  readonly manyRuns: number;
}

/** `--help`. */
export const USAGE = `npm run bench -- [options]

First the start-up section: the \`skopush\` command as installed (the one-file bundle) beside \`node -e 0\` and raw
skopeo on a 231 MB 4-layer image, with its targets. Then pushes one generated image archive with every row (raw
skopeo, raw docker exec skopeo, each skopush strategy), cold and warm, rows interleaved round by round; then
measures the cost of falling through unavailable strategies; last, N images sharing a base layer pushed by one
\`skopush push-many\` against N \`skopeo copy\` processes run from a shell script.

  --size-mib N              image size (sum of layer contents) (default 256)
  --layers N                layers (default 8)
  --compressibility C       random | compressible | a text fraction 0..1 (default 0.5)
  --large                   also run a 1 GiB image (slow)
  --runs N                  cold+warm rounds per row; the table shows medians (default 5)
  --warm-runs N             warm pushes per round (default 3)
  --rows a,b                only these rows (names as in the table, comma-separated); rows:
${BENCH_ROWS.map((r) => `                              ${r.name}: ${r.description}`).join("\n")}
  --registry plain|tls      the registry kind pushed to (default plain)
  --fallthrough-runs N      in-process rounds of the fall-through measurement (default 30)
  --fallthrough-fresh-runs N  fresh-process rounds of it (default 8)
  --version-runs N          node -e 0 and skopush --version start-ups per start-up round (default 10)
  --skip-startup            no start-up section
  --startup-only            only the start-up section
  --many-images N           push-many section: images sharing a base layer (default 20)
  --many-base-mib N         push-many section: the shared base layer's size (default 64)
  --many-own-mib N          push-many section: each image's own layer (default 1)
  --many-runs N             push-many section: rounds; the table shows medians (default 3)
  --skip-push-many          no push-many section
  --push-many-only          only the push-many section
  --skip-fallthrough        only the push table
  --fallthrough-only        only the fall-through tables
  --quick                   a smoke run: 32 MiB, 1 round, 1 warm push, 5 + 2 fall-through rounds, 4 images of 8 MiB + 1 MiB
  --help                    this text`;

/** Parses `argv`; `undefined` after printing the usage for `--help`. */
export const parseBenchOptions = (argv: ReadonlyArray<string>): BenchOptions | undefined => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      "size-mib": { type: "string" },
      layers: { type: "string", default: "8" },
      compressibility: { type: "string", default: "0.5" },
      large: { type: "boolean", default: false },
      runs: { type: "string" },
      "warm-runs": { type: "string" },
      rows: { type: "string" },
      registry: { type: "string", default: "plain" },
      "fallthrough-runs": { type: "string" },
      "fallthrough-fresh-runs": { type: "string" },
      "skip-fallthrough": { type: "boolean", default: false },
      "fallthrough-only": { type: "boolean", default: false },
      "version-runs": { type: "string" },
      "skip-startup": { type: "boolean", default: false },
      "startup-only": { type: "boolean", default: false },
      "many-images": { type: "string" },
      "many-base-mib": { type: "string" },
      "many-own-mib": { type: "string" },
      "many-runs": { type: "string" },
      "skip-push-many": { type: "boolean", default: false },
      "push-many-only": { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const quick = values.quick;
  const number = (text: string | undefined, fallback: number, name: string) => {
    const n = Number(text ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
    return n;
  };
  const rows = values.rows?.split(",").map((r) => r.trim()) ?? BENCH_ROWS.map((r) => r.name);
  const unknown = rows.filter((r) => !BENCH_ROWS.some((row) => row.name === r));
  if (unknown.length > 0) throw new Error(`unknown rows: ${unknown.join(", ")} (rows: ${BENCH_ROWS.map((r) => r.name).join(", ")})`);
  if (values.registry !== "plain" && values.registry !== "tls") throw new Error(`--registry must be plain or tls, got ${values.registry}`);
  const size = number(values["size-mib"], quick ? 32 : 256, "size-mib");
  const manyOnly = values["push-many-only"];
  return {
    sizesMib: [size, ...(values.large ? [1024] : [])],
    layers: number(values.layers, 8, "layers"),
    compressibility:
      values.compressibility === "random" || values.compressibility === "compressible" ? values.compressibility : Number(values.compressibility),
    compressibilityText: values.compressibility,
    runs: number(values.runs, quick ? 1 : 5, "runs"),
    warmRuns: number(values["warm-runs"], quick ? 1 : 3, "warm-runs"),
    rows,
    registry: values.registry,
    pushes: !values["fallthrough-only"] && !values["startup-only"] && !manyOnly,
    fallthrough: !values["skip-fallthrough"] && !values["startup-only"] && !manyOnly,
    startup: !values["skip-startup"] && !values["fallthrough-only"] && !manyOnly,
    pushMany: !values["skip-push-many"] && !values["fallthrough-only"] && !values["startup-only"],
    manyImages: number(values["many-images"], quick ? 4 : 20, "many-images"),
    manyBaseMib: number(values["many-base-mib"], quick ? 8 : 64, "many-base-mib"),
    manyOwnMib: number(values["many-own-mib"], 1, "many-own-mib"),
    manyRuns: number(values["many-runs"], quick ? 1 : 3, "many-runs"),
    versionRuns: number(values["version-runs"], quick ? 3 : 10, "version-runs"),
    fallthroughRuns: number(values["fallthrough-runs"], quick ? 5 : 30, "fallthrough-runs"),
    fallthroughFreshRuns: number(values["fallthrough-fresh-runs"], quick ? 2 : 8, "fallthrough-fresh-runs"),
  };
};
