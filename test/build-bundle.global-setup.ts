import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../packages/skopush/scripts/build-cli-bundle.mjs", import.meta.url));

/** Builds the `skopush` bundle from the TypeScript sources before the integration tests, so they run what ships, never a stale build. */
export default function buildBundle(): void {
  execFileSync(process.execPath, [SCRIPT], { stdio: "inherit" });
}
