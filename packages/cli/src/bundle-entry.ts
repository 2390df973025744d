import "reflect-metadata";

// The entry of the bundle's payload (packages/skopush/scripts/build-cli-bundle.mjs): the launcher calls start.
export { start } from "./start.js";
