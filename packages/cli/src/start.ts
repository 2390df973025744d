import { processIo } from "./cli-io.js";
import { installInterruptHub } from "./interrupt-hub.js";

/** How long a finished command waits for handles it no longer needs before it exits anyway. */
const LINGER_MS = 200;

/**
 * Ends the process once stdout and stderr have drained. The exit code is set, not forced at once, so
 * the output is complete; then a connection a library still holds (an ssh:// DOCKER_HOST that never
 * answered keeps ssh2 waiting 20 s for its handshake) cannot keep the finished command alive. The
 * timer is unref'd: when nothing lingers the process ends by itself first.
 */
const exitWhenDrained = (code: number): void => {
  process.exitCode = code;
  let pending = 2;
  const drained = () => {
    if (--pending === 0) setTimeout(() => process.exit(code), LINGER_MS).unref();
  };
  process.stdout.write("", drained);
  process.stderr.write("", drained);
};

/**
 * Runs the `skopush` process with `argv` (without node and the script). Signals are routed before the
 * heavy modules load (see installInterruptHub); the process ends once its output has drained.
 */
export const start = (argv: ReadonlyArray<string>): void => {
  const io = processIo(installInterruptHub());
  import("./run.js")
    .then(({ run }) => run(argv, io))
    .then(exitWhenDrained, (defect: unknown) => {
      process.stderr.write(`[skopush] internal error, please report it: ${defect instanceof Error ? (defect.stack ?? defect.message) : String(defect)}\n`);
      exitWhenDrained(1);
    });
};
