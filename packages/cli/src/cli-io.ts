import type { InterruptSignal } from "./exit-codes.js";
import type { InterruptHub } from "./interrupt-hub.js";
import type { OutputStream } from "./output/terminal.js";

/** Everything the CLI touches of its process, so tests run it in-process with buffers. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Read for `--password-stdin`. */
  readonly stdin: AsyncIterable<Buffer | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Calls `handler` on SIGINT and SIGTERM until the returned function is called. */
  readonly onInterrupt: (handler: (signal: InterruptSignal) => void) => () => void;
  /** Ends the process at once (a second Ctrl-C). */
  readonly exit: (code: number) => void;
  /** Calls `handler` when the process exits, however it exits, until the returned function is called (restores the terminal). */
  readonly atExit?: ((handler: () => void) => () => void) | undefined;
  /** @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** The real process's streams and environment; signals come through `hub`. */
export const processIo = (hub: InterruptHub): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  // Read only for --password-stdin: creating process.stdin loads Node's stream machinery for it.
  get stdin() {
    return process.stdin;
  },
  env: process.env,
  onInterrupt: hub.onInterrupt,
  exit: (code) => process.exit(code),
  atExit: (handler) => {
    process.once("exit", handler);
    return () => void process.off("exit", handler);
  },
});
