import "reflect-metadata";
import { Cause, Effect, Exit } from "effect";
import { defaultRetrySettings, ImageReference } from "@skopush/core";
import type { PushJob } from "./bench-row.js";
import type { StrategyFactory } from "./strategy-row.js";

// argv: <factory module URL> <job JSON>. Prints one JSON line: the push's own duration and result.
const [factoryUrl, jobJson] = process.argv.slice(2);
if (factoryUrl === undefined || jobJson === undefined) {
  console.error("usage: strategy-child.js <factory module URL> <job JSON>");
  process.exit(2);
}
const job = JSON.parse(jobJson) as PushJob;
const factory = (await import(factoryUrl)) as { default: StrategyFactory };
const strategy = await factory.default(job);
const started = performance.now();
const exit = await Effect.runPromiseExit(
  strategy.push(
    {
      archive: { path: job.archive },
      destination: ImageReference.parseOrThrow(job.destination),
      tls: job.scheme === "https" ? { verify: true, caFile: job.caFile } : { verify: false },
      retry: defaultRetrySettings,
    },
    () => undefined,
  ),
);
const pushMs = performance.now() - started;
if (Exit.isFailure(exit)) {
  console.error(Cause.pretty(exit.cause));
  process.exit(1);
}
console.log(JSON.stringify({ pushMs, digest: exit.value.digest, bytesPushed: exit.value.bytesPushed }));
