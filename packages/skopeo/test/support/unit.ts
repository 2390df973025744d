import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterEach } from "vitest";
import { isPushError, type PushError } from "@skopush/core";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh private temp dir, removed after the test. */
export const tempDir = async (label = "test"): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), `skopush-skopeo-${label}-`));
  dirs.push(dir);
  return dir;
};

/** The typed error an effect fails with; throws when it succeeds or dies. */
export const failureOf = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`);
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "None") throw new Error(`expected a typed error, got ${Cause.pretty(exit.cause)}`);
  return error.value;
};

/** The skopush error an effect fails with. */
export const pushErrorOf = async <A, E>(effect: Effect.Effect<A, E>): Promise<PushError> => {
  const error = await failureOf(effect);
  if (!isPushError(error)) throw new Error(`expected a skopush error, got ${String(error)}`);
  return error;
};
