import { exitCodeOfSignal, type InterruptSignal } from "./exit-codes.js";

/** Routes SIGINT and SIGTERM to whoever listens; with no listener the process exits at once. */
export interface InterruptHub {
  /** Calls `handler` on SIGINT and SIGTERM until the returned function is called. */
  readonly onInterrupt: (handler: (signal: InterruptSignal) => void) => () => void;
}

/**
 * Installs the process's SIGINT and SIGTERM handlers. Installed before the heavy modules load, so a
 * Ctrl-C during start-up exits with 130 at once (nothing has started that needs cleaning up); once a
 * push listens, the signal cancels it instead.
 */
export const installInterruptHub = (target: Pick<NodeJS.Process, "on" | "exit"> = process): InterruptHub => {
  const handlers = new Set<(signal: InterruptSignal) => void>();
  const dispatch = (signal: InterruptSignal) => {
    if (handlers.size === 0) target.exit(exitCodeOfSignal(signal));
    for (const handler of [...handlers]) handler(signal);
  };
  target.on("SIGINT", () => dispatch("SIGINT"));
  target.on("SIGTERM", () => dispatch("SIGTERM"));
  return {
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
  };
};
