import "reflect-metadata";
import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { defaultRetrySettings, FallbackChain, ImageReference, type ProgressEvent } from "@skopush/core";
import type { PushJob } from "./bench-row.js";
import type { StrategyFactory } from "./strategy-row.js";
import { timedProbe } from "./timed-probe.js";

/** What the child prints as its last stdout line. Times are milliseconds since the process started. */
export interface ChildReport {
  /** Node started, every module loaded, the strategy built: the push begins. */
  readonly startMs: number;
  /** `FallbackChain.push`, from its call to its answer (probe and push). */
  readonly pushMs: number;
  /** The strategy's probe, as the chain ran it before the push. */
  readonly probeMs?: number | undefined;
  /** When the strategy first reported progress (skopeo strategies: after the probe and the archive's inspection). */
  readonly firstEventMs?: number | undefined;
  /** When a skopeo strategy started skopeo (workspace made, archive staged, authfile written). */
  readonly skopeoStartMs?: number | undefined;
  readonly digest: string;
}

// argv: <factory module URL> <job JSON>. Prints one JSON line, a ChildReport.
const [factoryUrl, jobJson] = process.argv.slice(2);
if (factoryUrl === undefined || jobJson === undefined) {
  console.error("usage: strategy-child.js <factory module URL> <job JSON>");
  process.exit(2);
}
const job = JSON.parse(jobJson) as PushJob;
const factory = (await import(factoryUrl)) as { default: StrategyFactory };
const strategy = await factory.default(job);
let probeMs: number | undefined;
const chain = new FallbackChain([timedProbe(strategy, (ms) => (probeMs = ms))]);
let firstEventMs: number | undefined;
let skopeoStartMs: number | undefined;
const onProgress = (event: ProgressEvent) => {
  if (event.message.startsWith("trying ")) return;
  firstEventMs ??= performance.now();
  if (event.message.startsWith("Running skopeo")) skopeoStartMs ??= performance.now();
};
const startMs = performance.now();
const exit = await Effect.runPromiseExit(
  chain.push(
    {
      archive: { path: job.archive },
      destination: ImageReference.parseOrThrow(job.destination),
      tls: job.scheme === "https" ? { verify: true, caFile: job.caFile } : { verify: false },
      retry: defaultRetrySettings,
    },
    onProgress,
  ),
);
const pushMs = performance.now() - startMs;
if (Exit.isFailure(exit)) {
  console.error(Cause.pretty(exit.cause));
  process.exit(1);
}
const report: ChildReport = { startMs, pushMs, probeMs, firstEventMs, skopeoStartMs, digest: exit.value.outcome.digest };
console.log(JSON.stringify(report));
