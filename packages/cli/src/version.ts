import { readFileSync } from "node:fs";

/** The CLI's version, from its package.json (the bundle replaces this module with its package's version). */
export const cliVersion = (): string =>
  (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
