import { cacheProfile, compileCache } from "./compile-cache.js";
import { commentOf, runPayload } from "./run-payload.js";

/** Set by the bundler: the `skopush` package's version and the payload's build hash. */
declare const SKOPUSH_BUNDLED_VERSION: string;
declare const SKOPUSH_PAYLOAD_ID: string;
/** Appended by the bundler after this code: a function whose body is a comment holding the payload. */
declare const SKOPUSH_PAYLOAD_HOLDER: () => void;

// The bundle's first code: `--version` answers without compiling the payload; everything else runs the
// payload with V8's code cache (docs/cli.md#the-bundle).
const argv = process.argv.slice(2);
const [first] = argv;
if (argv.length === 1 && (first === "--version" || first === "-v" || first === "version")) {
  process.stdout.write(`skopush ${SKOPUSH_BUNDLED_VERSION}\n`);
} else {
  const profile = cacheProfile(argv);
  const cache = compileCache({ env: process.env, payloadId: SKOPUSH_PAYLOAD_ID, profile });
  runPayload({ source: commentOf(SKOPUSH_PAYLOAD_HOLDER), filename: __filename, cache }).start(argv);
}
