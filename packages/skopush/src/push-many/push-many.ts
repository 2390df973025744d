import { ImageReference, normaliseRegistryHost, resolvePusher, shieldedCall, type ProgressEvent, type PushImageOptions, type PushResult } from "@skopush/core";
import * as Effect from "effect/Effect";
import type { DependencyContainer } from "tsyringe";
import { createDefaultContainer, type DefaultContainerOptions } from "../default-container.js";
import { BlobTally } from "./blob-tally.js";
import { PlanInvalid } from "./plan-invalid.js";
import { totalsOf, type PushManyItemReport, type PushManyReport } from "./push-many-report.js";
import type { PlanItem, PushPlan } from "./push-plan.js";

/** How many images `pushMany` pushes at once by default. */
export const DEFAULT_PUSH_MANY_CONCURRENCY = 3;

/** A progress event of one item of a plan. */
export interface PushManyProgress {
  /** The item's position in the plan. */
  readonly index: number;
  readonly item: PlanItem;
  readonly event: ProgressEvent;
}

/** Options of {@link pushMany}: the settings every item shares, and how the run is set up. */
export interface PushManyOptions
  extends Omit<PushImageOptions, "archive" | "destination" | "onProgress">,
    DefaultContainerOptions {
  /** Push with this container's strategies and providers instead of building the default container. */
  readonly container?: DependencyContainer | undefined;
  /** Images pushed at once. @default DEFAULT_PUSH_MANY_CONCURRENCY (3) */
  readonly concurrency?: number | undefined;
  /** Receives every item's progress events, tagged with the item. */
  readonly onProgress?: ((progress: PushManyProgress) => void) | undefined;
  /** Called as each item ends, pushed or failed. */
  readonly onItemDone?: ((report: PushManyItemReport) => void) | undefined;
}

const itemReport = (index: number, item: PlanItem, result: PushResult, tally: BlobTally): PushManyItemReport => {
  const strategy = result.status === "success" ? result.method : result.attempts.at(-1)?.strategy;
  const counts = tally.counts(strategy);
  const common = { index, archive: item.archive, destination: item.destination, skippedBlobs: counts.skipped, uploadedBlobs: counts.uploaded, strategy, durationMs: result.durationMs };
  return result.status === "success"
    ? { ...common, status: "pushed", digest: result.digest, bytesPushed: result.bytesPushed }
    : { ...common, status: "failed", bytesPushed: 0, error: result.error, message: result.message };
};

/** Fixed credentials are for one registry: a plan spanning several would hand them to all of them. */
const refuseSpreadCredentials = (plan: PushPlan, credentials: PushManyOptions["credentials"]): void => {
  if (credentials === undefined || "resolve" in credentials) return;
  const registries = new Set(plan.items.map((item) => normaliseRegistryHost(ImageReference.parseOrThrow(item.destination).registry)));
  if (registries.size <= 1) return;
  throw new PlanInvalid({
    source: "the plan",
    field: "destination",
    reason: `pushes to ${[...registries].join(", ")}, and fixed credentials would be sent to each of them`,
    fix: "pass a CredentialsProvider that answers per registry, or run one pushMany per registry",
  });
};

/**
 * Pushes every item of a plan in one process, `concurrency` at a time, through one Pusher: its
 * strategies (and so the registry strategy's token cache and in-flight blobs) are shared, so a layer
 * several images share is uploaded once and mounted by the others. Never rejects for a failed item:
 * the report says what became of each (`ok` is true when all were pushed). Aborting `signal` cancels
 * the pushes running and starts no more. Rejects, before pushing anything, for a bad concurrency and
 * for fixed `credentials` with a plan spanning several registries (`PlanInvalid`).
 */
export const pushMany = async (plan: PushPlan, options: PushManyOptions = {}): Promise<PushManyReport> => {
  const concurrency = options.concurrency ?? DEFAULT_PUSH_MANY_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`[skopush] concurrency must be a whole number ≥ 1, not ${concurrency}`);
  refuseSpreadCredentials(plan, options.credentials);
  const pusher = resolvePusher(options.container ?? createDefaultContainer(options));
  const started = Date.now();
  const pushOne = (item: PlanItem, index: number) =>
    Effect.promise(async () => {
      const tally = new BlobTally();
      const result = await pusher.push({
        credentials: options.credentials,
        tls: options.tls,
        retry: options.retry,
        timeouts: options.timeouts,
        signal: options.signal,
        manifestFormat: item.manifestFormat ?? options.manifestFormat,
        compression: item.compression ?? options.compression,
        archive: { path: item.archive, platform: item.platform, image: item.image },
        destination: item.destination,
        onProgress: (event) => {
          tally.record(event);
          shieldedCall(() => options.onProgress?.({ index, item, event }));
        },
      });
      const report = itemReport(index, item, result, tally);
      shieldedCall(() => options.onItemDone?.(report));
      return report;
    });
  const items = await Effect.runPromise(Effect.forEach(plan.items, pushOne, { concurrency }));
  const totals = totalsOf(items, Date.now() - started);
  return { ok: totals.failed === 0, items, totals };
};
