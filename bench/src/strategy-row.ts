import { fileURLToPath } from "node:url";
import type { PushStrategy } from "@skopush/core";
import type { BenchRow, PushJob } from "./bench-row.js";

/** What a strategy row's module exports by default: the strategy to push with, built for a job. */
export type StrategyFactory = (job: PushJob) => PushStrategy | Promise<PushStrategy>;

/** Options of {@link strategyRow}. */
export interface StrategyRowOptions {
  readonly name: string;
  readonly description: string;
  /** URL of a module whose default export is a {@link StrategyFactory}, e.g. `new URL("./x-strategy.js", import.meta.url)`. */
  readonly factory: URL;
  /** Whether the strategy's skopeo runs in the bench's resident container. @default false */
  readonly usesContainer?: boolean | undefined;
  readonly clearClientCaches: (job: PushJob) => Promise<void>;
}

/**
 * A row that pushes with a skopush `PushStrategy` through a `FallbackChain` of that one strategy (probe,
 * then push, as `pushImage` does), in a fresh Node process (`strategy-child.js`) that loads the factory
 * module, pushes once and reports its own timings next to the process's.
 */
export const strategyRow = (options: StrategyRowOptions): BenchRow => ({
  name: options.name,
  description: options.description,
  usesContainer: options.usesContainer,
  clearClientCaches: options.clearClientCaches,
  command: (job) => ({
    file: process.execPath,
    args: [fileURLToPath(new URL("./strategy-child.js", import.meta.url)), options.factory.href, JSON.stringify(job)],
  }),
});
