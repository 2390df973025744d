import * as Effect from "effect/Effect";
import { PushCancelled } from "./errors.js";

/** Fails with `PushCancelled` once `signal` aborts; never succeeds. */
export const abortedBy = (signal: AbortSignal): Effect.Effect<never, PushCancelled> =>
  Effect.callback<never, PushCancelled>((resume) => {
    const onAbort = () => resume(Effect.fail(new PushCancelled({ reason: abortReason(signal) })));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    return Effect.sync(() => signal.removeEventListener("abort", onAbort));
  });

/**
 * Runs `self` until `signal` aborts; then interrupts it, waits for its finalizers (temp files,
 * authfiles, child processes) and fails with `PushCancelled`.
 */
export const cancelOnAbort = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  signal: AbortSignal | undefined,
): Effect.Effect<A, E | PushCancelled, R> => {
  if (signal === undefined) return self;
  return Effect.suspend(() =>
    signal.aborted
      ? Effect.fail(new PushCancelled({ reason: abortReason(signal) }))
      : Effect.raceFirst(self, abortedBy(signal)),
  );
};

const abortReason = (signal: AbortSignal): string => {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== "AbortError") return reason.message;
  if (typeof reason === "string" && reason.length > 0) return reason;
  return "the caller aborted";
};
