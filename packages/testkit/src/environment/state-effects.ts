import { Cause, Effect, Exit } from "effect";
import { TestEnvironmentError } from "./errors.js";
import type { EnvironmentLayout } from "./paths.js";
import { readState, writeState, type EnvironmentState } from "./state.js";

/** Runs an environment program as a Promise that rejects with the {@link TestEnvironmentError} itself. */
export const runEnvironment = async <A>(effect: Effect.Effect<A, TestEnvironmentError>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  throw Cause.squash(exit.cause);
};

/** The recorded state (undefined when there is none), or an error saying how to clear an unusable file. */
export const loadState = (layout: EnvironmentLayout) =>
  Effect.try({
    try: () => readState(layout.stateFile),
    catch: (cause) =>
      new TestEnvironmentError({
        step: "state",
        reason: (cause as Error).message,
        fix: `stop any docker-registry processes serving ${layout.stateDir}, then remove ${layout.stateFile}`,
        cause,
      }),
  });

/** Records `state`, stamped with the time. */
export const saveState = (layout: EnvironmentLayout, state: Omit<EnvironmentState, "updatedAt">) =>
  Effect.try({
    try: () => writeState(layout.stateFile, { ...state, updatedAt: new Date().toISOString() }),
    catch: (cause) => new TestEnvironmentError({ step: "state", reason: `cannot write ${layout.stateFile}: ${String(cause)}`, cause }),
  });
