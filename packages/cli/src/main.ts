import "reflect-metadata";
import { processIo } from "./cli-io.js";
import { installInterruptHub } from "./interrupt-hub.js";

// The `skopush` executable. Signals are routed before the heavy modules load (see installInterruptHub).
const io = processIo(installInterruptHub());
const { run } = await import("./run.js");

// The exit code is set, not forced, so stdout drains before the process ends.
run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (defect: unknown) => {
    process.stderr.write(`[skopush] internal error, please report it: ${defect instanceof Error ? (defect.stack ?? defect.message) : String(defect)}\n`);
    process.exitCode = 1;
  },
);
