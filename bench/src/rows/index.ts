import type { BenchRow } from "../bench-row.js";
import { registryLevel6Row, registryRow } from "./registry-row.js";
import { skopeoRow } from "./skopeo-row.js";

/**
 * Every row of the table, in display order. To add a strategy: write its factory module and a row with
 * `strategyRow(...)` (see `registry-row.ts`), or a `BenchRow` that runs a command, and list it here.
 */
export const BENCH_ROWS: ReadonlyArray<BenchRow> = [skopeoRow, registryRow, registryLevel6Row];
