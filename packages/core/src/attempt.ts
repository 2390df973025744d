import type { PushErrorTag } from "./errors.js";

/** How one strategy's turn in the chain ended. */
export type AttemptOutcome = "success" | "unavailable" | "failed" | "cancelled";

/** One strategy's turn in the chain, as recorded in every result. */
export interface Attempt {
  /** The strategy's `name`. */
  readonly strategy: string;
  readonly outcome: AttemptOutcome;
  /** Why the attempt did not succeed; absent on success. Never holds a secret. */
  readonly reason?: string | undefined;
  /** The tag of the error that ended the attempt; absent on success. */
  readonly error?: PushErrorTag | undefined;
  /** Wall time of the probe and the push together, in milliseconds. */
  readonly durationMs: number;
}
