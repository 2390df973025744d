#!/usr/bin/env node
// The `skopush` command, as npm links it: the one-file bundle in dist/, which `prepare` builds right after
// `npm ci` in a clone and which the published package carries (docs/cli.md#install).
let bundle;
try {
  bundle = require.resolve("../dist/skopush.cjs");
} catch {
  process.stderr.write("[skopush] dist/skopush.cjs is missing: build it with npm run build (or npm run bundle) in the skopush repository\n");
  process.exit(1);
}
require(bundle);
