import "reflect-metadata";
import { start } from "./start.js";

// The unbundled `skopush` (dist/main.js); the installed command is the bundle (docs/cli.md#install).
start(process.argv.slice(2));
