import { fileURLToPath } from "node:url";
import type { BenchRow, PushJob } from "./bench-row.js";

/** What a strategy row's module exports by default: the strategy to push with, built for a job. */
export type StrategyFactory = (job: PushJob) => import("@skopush/core").PushStrategy | Promise<import("@skopush/core").PushStrategy>;

/** Options of {@link strategyRow}. */
export interface StrategyRowOptions {
  readonly name: string;
  readonly description: string;
  /** URL of a module whose default export is a {@link StrategyFactory}, e.g. `new URL("./rows/x.js", import.meta.url)`. */
  readonly factory: URL;
  readonly clearClientCaches: (job: PushJob) => Promise<void>;
}

/**
 * A row that pushes with a skopush `PushStrategy`, in a fresh Node process (`strategy-child.js`) that
 * loads the factory module, pushes once and reports the push's own duration next to the process's.
 */
export const strategyRow = (options: StrategyRowOptions): BenchRow => ({
  name: options.name,
  description: options.description,
  clearClientCaches: options.clearClientCaches,
  command: (job) => ({
    file: process.execPath,
    args: [fileURLToPath(new URL("./strategy-child.js", import.meta.url)), options.factory.href, JSON.stringify(job)],
  }),
});
