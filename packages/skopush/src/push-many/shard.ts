import { PlanInvalid } from "./plan-invalid.js";
import type { PushPlan } from "./push-plan.js";

/** `i/n`: shard `index` (0-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `i/n` (0 ≤ i < n); a `PlanInvalid` naming the text when it is not one. */
export const parseShard = (text: string): Shard | PlanInvalid => {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index >= count) {
    return new PlanInvalid({ source: "--shard", reason: `${JSON.stringify(text)} is not i/n with 0 ≤ i < n`, fix: "write e.g. --shard 0/3 for the first of three shards (JOB_COMPLETION_INDEX/parallelism)" });
  }
  return { index, count };
};

const byDestination = (a: { readonly destination: string }, b: { readonly destination: string }) =>
  a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : 0;

/**
 * The items of shard `index` of `count`: the plan sorted by destination, every `count`-th item starting
 * at `index`. Deterministic whatever order the plan lists its items in (destinations are unique), the
 * shards partition the plan, and their sizes differ by at most one; a stable hash would keep an item's
 * shard when others are added, but leaves shards uneven for plans of a few dozen images.
 */
export const shardOf = (plan: PushPlan, index: number, count: number): PushPlan => {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`[skopush] shard ${index}/${count}: need whole numbers with 0 ≤ index < count`);
  }
  return { items: [...plan.items].sort(byDestination).filter((_, position) => position % count === index) };
};
