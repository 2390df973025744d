import { PUSH_ERROR_TABLE, PUSH_ERROR_TAGS, type FallbackDecision } from "./error-table.js";
import type { PushError, PushErrorTag } from "./errors.js";

export type { FallbackDecision } from "./error-table.js";

/** Decides, per error, whether another strategy could succeed where this one failed. */
export interface FallbackPolicy {
  decide(error: PushError): FallbackDecision;
}

/** The default decisions, each tag's `fallThrough` in {@link PUSH_ERROR_TABLE}. */
export const DEFAULT_FALLBACK_DECISIONS: Readonly<Record<PushErrorTag, FallbackDecision>> = Object.fromEntries(
  PUSH_ERROR_TAGS.map((tag) => [tag, PUSH_ERROR_TABLE[tag].fallThrough]),
) as Record<PushErrorTag, FallbackDecision>;

/** The policy built from {@link PUSH_ERROR_TABLE}. */
export const defaultFallbackPolicy: FallbackPolicy = {
  decide: (error) => PUSH_ERROR_TABLE[error._tag].fallThrough,
};
