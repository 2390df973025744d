import type { PushFailure, PushResult, PushSuccess } from "@skopush/core";
import { formatBytes, formatDuration } from "./format.js";
import type { Palette } from "./terminal.js";

/**
 * The `--json` object: one line on stdout, on success and on failure. A failure's `error` is the error's
 * tag, e.g. `AuthenticationFailed`, or `UsageError` for the CLI's own input errors.
 */
export type JsonResult = PushSuccess | (Omit<PushFailure, "error"> & { readonly error: string });

/** The `--json` object of a push result. */
export const jsonResultOf = (result: PushResult): JsonResult =>
  result.status === "success"
    ? {
        status: "success",
        image: result.image,
        digest: result.digest,
        method: result.method,
        bytesPushed: result.bytesPushed,
        verified: result.verified,
        compression: result.compression,
        ...(result.cancelledTooLate === true ? { cancelledTooLate: true } : {}),
        attempts: result.attempts,
        durationMs: result.durationMs,
      }
    : {
        status: "error",
        image: result.image,
        error: result.error,
        message: result.message,
        retryable: result.retryable,
        attempts: result.attempts,
        durationMs: result.durationMs,
      };

/** The `--json` line of a failure that happened before any push (bad flags, a missing archive). */
export const jsonInputError = (error: string, message: string, image?: string): JsonResult => ({
  status: "error",
  image,
  error,
  message,
  retryable: false,
  attempts: [],
  durationMs: 0,
});

/** One JSON line. */
export const jsonLine = (result: JsonResult): string => `${JSON.stringify(result)}\n`;

/** The last line of a successful push: image, digest, the strategy that pushed, and the time it took. */
export const successLine = (result: PushSuccess, palette: Palette): string =>
  `${palette.green("✔")} pushed ${palette.bold(result.image)} ${result.digest} with ${result.method} in ${formatDuration(
    result.durationMs,
  )}${result.bytesPushed > 0 ? ` (${formatBytes(result.bytesPushed)})` : ""}\n`;

/** The strategies that did not push before the one that did, as notes. */
export const skippedAttemptLines = (result: PushSuccess, palette: Palette): string =>
  result.attempts
    .filter((attempt) => attempt.outcome !== "success")
    .map((attempt) => `${palette.dim(`  ${attempt.strategy}: ${attempt.reason ?? attempt.outcome}`)}\n`)
    .join("");

/** What a failed push prints on stderr: the message that says what to do, then every attempt. */
export const failureLines = (result: PushFailure, palette: Palette): string => {
  const lines = [`${palette.red("✖")} ${result.message} ${palette.dim(`[${result.error}]`)}`];
  // NoStrategyAvailable's message already lists every attempt.
  if (result.error !== "NoStrategyAvailable" && result.attempts.length > 0) {
    lines.push("  attempts:");
    for (const attempt of result.attempts) {
      lines.push(`    ${attempt.strategy}: ${attempt.reason ?? attempt.outcome}`);
    }
  }
  return `${lines.join("\n")}\n`;
};
