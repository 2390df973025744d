import "reflect-metadata";
import { processIo } from "./cli-io.js";
import { run } from "./run.js";

// The `skopush` executable. The exit code is set, not forced, so stdout drains before the process ends.
run(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (defect: unknown) => {
    process.stderr.write(`[skopush] internal error, please report it: ${defect instanceof Error ? (defect.stack ?? defect.message) : String(defect)}\n`);
    process.exitCode = 1;
  },
);
