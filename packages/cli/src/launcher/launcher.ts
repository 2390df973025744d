import { cacheProfile, compileCache } from "./compile-cache.js";
import { runPayload } from "./run-payload.js";

/** Set by the bundler: the `skopush` package's version, the payload's source and its build hash. */
declare const SKOPUSH_BUNDLED_VERSION: string;
declare const SKOPUSH_PAYLOAD: string;
declare const SKOPUSH_PAYLOAD_ID: string;

// The bundle's first code: `--version` answers without compiling the payload; everything else runs the
// payload with V8's code cache (docs/cli.md#the-bundle).
const argv = process.argv.slice(2);
const [first] = argv;
if (argv.length === 1 && (first === "--version" || first === "-v" || first === "version")) {
  process.stdout.write(`skopush ${SKOPUSH_BUNDLED_VERSION}\n`);
} else {
  const profile = cacheProfile(argv);
  const cache = compileCache({ env: process.env, payloadId: SKOPUSH_PAYLOAD_ID, profile });
  runPayload({ source: SKOPUSH_PAYLOAD, filename: __filename, cache }).start(argv);
}
