/** Where a push is. */
export type PushPhase = "preparing" | "uploading" | "manifest" | "done";

/** Progress of one blob (layer or config). */
export interface BlobProgress {
  /** The blob's digest, or its diff_id while the compressed digest is not known yet. */
  readonly id: string;
  readonly kind: "layer" | "config";
  readonly state: "waiting" | "uploading" | "skipped" | "done";
  readonly bytesDone: number;
  readonly bytesTotal?: number | undefined;
}

/** One progress event. `percent` never goes down within a push. */
export interface ProgressEvent {
  /** 0 to 100, an integer, monotonic. */
  readonly percent: number;
  /** A human line, e.g. `Copying blob sha256:3f4a…`. Never holds a secret. */
  readonly message: string;
  readonly phase: PushPhase;
  /** The strategy that produced the event; set by the chain. */
  readonly strategy?: string | undefined;
  /** How that strategy pushes (its `description`), e.g. `skopeo in container skopeo-service`; set by the chain. */
  readonly strategyDescription?: string | undefined;
  readonly bytesDone?: number | undefined;
  readonly bytesTotal?: number | undefined;
  readonly blob?: BlobProgress | undefined;
}

/**
 * Receives progress events. It should not throw; the chain shields pushes from sinks that throw or, being
 * `async`, return a promise that rejects (never awaited: a slow sink does not slow the push).
 */
export type ProgressSink = (event: ProgressEvent) => void;

/** A sink that drops every event. */
export const ignoreProgress: ProgressSink = () => {};

/**
 * Wraps a sink so that what it receives is well formed whatever the strategy sends: `percent` is an
 * integer in [0, 100] that never goes down, and a throwing sink cannot break the push.
 */
export const monotonicProgress = (sink: ProgressSink): ProgressSink => {
  let highest = 0;
  return (event) => {
    const percent = Math.max(highest, Math.min(100, Math.floor(Number.isFinite(event.percent) ? event.percent : 0)));
    highest = percent;
    shieldedCall(() => sink({ ...event, percent }));
  };
};

/**
 * Calls a consumer's callback so that nothing it does can break the push it observes: a throw is
 * swallowed, and a returned promise's rejection is handled (an `async` callback that rejects would
 * otherwise be an unhandled rejection, which ends a Node process before the push can clean up).
 */
export const shieldedCall = (callback: () => unknown): void => {
  try {
    const returned = callback();
    if (isThenable(returned)) returned.then(undefined, ignore);
  } catch {
    // A progress consumer's bug must not fail or corrupt the push it observes.
  }
};

const ignore = (): void => {};

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
