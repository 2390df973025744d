import { constants } from "node:fs";
import { open } from "node:fs/promises";
import * as path from "node:path";
import * as Effect from "effect/Effect";
import { parsePlan } from "./parse-plan.js";
import { PlanInvalid } from "./plan-invalid.js";
import type { PushPlan } from "./push-plan.js";

/** The largest plan file read: a plan of ten thousand items is far smaller. */
const MAX_PLAN_BYTES = 16 * 1024 * 1024;

/**
 * The plan file's text. Non-blocking open and a regular-file check first: a FIFO without a writer would
 * block the read (and no interrupt handler runs yet), a device like /dev/zero never ends; the size is
 * checked before reading, so a huge file is never loaded.
 */
const readPlanText = async (file: string): Promise<string> => {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error("not a regular file");
    if (stat.size > MAX_PLAN_BYTES) throw new Error(`larger than ${MAX_PLAN_BYTES} bytes`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
};

/**
 * Reads and validates a JSON plan file; relative archive paths are taken from the plan file's
 * directory, so a plan and its archives move together.
 */
export const loadPlan = (file: string): Effect.Effect<PushPlan, PlanInvalid> =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readPlanText(file),
      catch: (cause) =>
        new PlanInvalid({ source: file, reason: `cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, fix: "give the path of a readable JSON plan file" }),
    });
    const value = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (cause) => new PlanInvalid({ source: file, reason: `is not JSON (${(cause as Error).message})`, fix: "write the plan as a JSON list of { archive, destination } items" }),
    });
    const plan = yield* parsePlan(value, file);
    const base = path.dirname(path.resolve(file));
    return { items: plan.items.map((item) => ({ ...item, archive: path.resolve(base, item.archive) })) };
  });
