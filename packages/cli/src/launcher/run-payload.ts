import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";
import type { CompileCache } from "./compile-cache.js";

/** What the payload (the bundled `@skopush/cli`, see bundle-entry.ts) exports. */
export interface Payload {
  readonly start: (argv: ReadonlyArray<string>) => void;
}

/** Options of {@link runPayload}. */
export interface RunPayloadOptions {
  /** The payload: a CommonJS module body wrapped as `(function (exports, require, module, __filename, __dirname) {…})`. */
  readonly source: string;
  /** The bundle's file: stack traces name it, and `require` resolves from it (Node's built-in modules only). */
  readonly filename: string;
  readonly cache: CompileCache;
}

/**
 * Compiles and evaluates the payload with V8's code cache: a cache made by an earlier run of the same
 * command skips parsing and compiling (about 1 MB of minified code). A missing or rejected cache (another
 * Node version, other V8 flags) is written again when this process exits successfully, with every
 * function this run compiled on the way.
 */
export const runPayload = (options: RunPayloadOptions): Payload => {
  const cachedData = options.cache.read();
  const script = new Script(options.source, { filename: options.filename, cachedData });
  if (options.cache.path !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // Only a run that succeeded has compiled what the next run of its command will need.
    process.once("exit", (code) => {
      if (code === 0) options.cache.write(script.createCachedData());
    });
  }
  const factory = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;
  const module = { exports: {} };
  factory(module.exports, createRequire(options.filename), module, options.filename, dirname(options.filename));
  return module.exports as Payload;
};

/**
 * The text of the comment that is `holder`'s whole body. V8 answers `toString()` with a slice of the
 * script it holds, and slicing that slices again: no copy is made.
 */
export const commentOf = (holder: () => void): string => {
  const text = holder.toString();
  const start = text.indexOf("/*");
  const end = text.lastIndexOf("*/");
  if (start < 0 || end <= start) throw new Error("[skopush] the bundle is damaged: its payload is missing");
  return text.slice(start + 2, end);
};
