import { PUSH_ERROR_TABLE, type PushResult } from "@skopush/core";

/** The exit codes of `skopush`; docs/cli.md lists them. */
export const EXIT = {
  /** Pushed (or the command did what it was asked). */
  ok: 0,
  /** The push (or the command) failed. */
  failed: 1,
  /** Usage or input error: bad flags, an invalid reference, a missing archive. */
  usage: 2,
  /** Interrupted by SIGINT; the push was cancelled and cleaned up. */
  sigint: 130,
  /** Terminated by SIGTERM; the push was cancelled and cleaned up. */
  sigterm: 143,
} as const;

/** The signals the CLI turns into a cancelled push. */
export type InterruptSignal = "SIGINT" | "SIGTERM";

/** The exit code of an interrupted command: 128 + the signal's number, as shells report it. */
export const exitCodeOfSignal = (signal: InterruptSignal): number => (signal === "SIGTERM" ? EXIT.sigterm : EXIT.sigint);

/** The exit code of a push's result; `signal` is the signal that interrupted it, if one did. */
export const exitCodeOf = (result: PushResult, signal?: InterruptSignal): number => {
  if (result.status === "success") return EXIT.ok;
  if (result.error === "PushCancelled") return exitCodeOfSignal(signal ?? "SIGINT");
  return PUSH_ERROR_TABLE[result.error].exitCode;
};
