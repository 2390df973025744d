import * as Effect from "effect/Effect";
import { StrategyFailed } from "./errors.js";
import type { PushOutcome } from "./push-strategy.js";

// The OCI image spec's digest grammar (algorithm ":" encoded), with the registered algorithms' exact lengths.
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const REGISTERED_DIGEST_LENGTHS: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };

/** Why `outcome` is not a push outcome the chain can report, or `undefined` when it is. */
export const invalidOutcomeReason = (outcome: unknown): string | undefined => {
  if (typeof outcome !== "object" || outcome === null) return `it reported ${describe(outcome)} instead of a push outcome`;
  const { digest, bytesPushed, verified } = outcome as Record<string, unknown>;
  if (typeof digest !== "string" || !DIGEST.test(digest)) {
    return `it reported the digest ${describe(digest)}, which is not an OCI digest (algorithm:hex, e.g. sha256:…)`;
  }
  const [algorithm, encoded] = digest.split(":") as [string, string];
  const length = REGISTERED_DIGEST_LENGTHS[algorithm];
  if (length !== undefined && !new RegExp(`^[a-f0-9]{${length}}$`).test(encoded)) {
    return `it reported the digest ${describe(digest)}, whose ${algorithm} part is not ${length} lowercase hex digits`;
  }
  if (typeof bytesPushed !== "number" || !Number.isSafeInteger(bytesPushed) || bytesPushed < 0) {
    return `it reported ${describe(bytesPushed)} bytes pushed, which is not a whole number of bytes ≥ 0`;
  }
  if (verified !== undefined && typeof verified !== "boolean") {
    return `it reported verified as ${describe(verified)}, which is not true, false or absent`;
  }
  return undefined;
};

/** Passes a strategy's outcome through when it is valid; fails with `StrategyFailed` saying what is wrong otherwise. */
export const checkPushOutcome = (strategy: string, outcome: PushOutcome): Effect.Effect<PushOutcome, StrategyFailed> => {
  const reason = invalidOutcomeReason(outcome);
  return reason === undefined ? Effect.succeed(outcome) : Effect.fail(new StrategyFailed({ strategy, reason: `an invalid outcome: ${reason}` }));
};

const describe = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return typeof value;
};
