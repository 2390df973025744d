import type { BenchRow } from "../bench-row.js";
import { dockerExecRow, dockerodeRow, dockerodeUploadRow } from "./container-rows.js";
import { dockerExecSkopeoRow } from "./docker-exec-skopeo-row.js";
import { nativeRow } from "./native-row.js";
import { registryLevel6Row, registryNoneRow, registryRow, registryZstdRow } from "./registry-row.js";
import { skopeoRow } from "./skopeo-row.js";

/**
 * Every row of the table, in display order: each baseline before the strategies measured against it. To add
 * a strategy: write its factory module and a row with `strategyRow(...)` (see `registry-row.ts`), or a
 * `BenchRow` that runs a command, and list it here.
 */
export const BENCH_ROWS: ReadonlyArray<BenchRow> = [
  skopeoRow,
  nativeRow,
  dockerExecSkopeoRow,
  dockerExecRow,
  dockerodeRow,
  dockerodeUploadRow,
  registryRow,
  registryLevel6Row,
  registryZstdRow,
  registryNoneRow,
];

/** The ratios printed under the table: a skopush strategy over the raw command it wraps, and its target. */
export const OVERHEAD_TARGETS: ReadonlyArray<{ readonly row: string; readonly baseline: string; readonly target?: number | undefined }> = [
  { row: nativeRow.name, baseline: skopeoRow.name, target: 1.05 },
  { row: dockerExecRow.name, baseline: dockerExecSkopeoRow.name, target: 1.1 },
  { row: dockerodeRow.name, baseline: dockerExecSkopeoRow.name },
  { row: dockerodeUploadRow.name, baseline: dockerExecSkopeoRow.name },
  { row: registryRow.name, baseline: skopeoRow.name, target: 1 },
  // Issue 18.2: the fastest choice of compression at most 0.7× raw skopeo (gzip, above, at most 1.0×).
  { row: registryZstdRow.name, baseline: skopeoRow.name, target: 0.7 },
  { row: registryNoneRow.name, baseline: skopeoRow.name, target: 0.7 },
];
