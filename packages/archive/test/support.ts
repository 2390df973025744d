import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ArchiveInvalid, EnvironmentFault } from "@skopush/core";
import { Cause, Effect, Exit, type Scope } from "effect";
import { afterAll, beforeAll } from "vitest";
import { indexTar } from "../src/tar-index.js";

/** A temp directory for the calling test file: created before its tests, removed after them. */
export const useTempDirectory = (): ((...parts: string[]) => string) => {
  let directory: string | undefined;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "skopush-archive-test-"));
  });
  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });
  return (...parts) => {
    if (directory === undefined) throw new Error("the temp directory exists only while tests run");
    return join(directory, ...parts);
  };
};

/** Runs a scoped effect to its exit. */
export const runScoped = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<Exit.Exit<A, E>> =>
  Effect.runPromiseExit(Effect.scoped(effect));

/** The value of a successful exit; throws with the cause otherwise. */
export const succeeded = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value;
  throw new Error(`expected success, got ${Cause.pretty(exit.cause)}`);
};

/** The typed error of a failed exit; throws when it succeeded or died. */
export const failed = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success");
  const found = Cause.findErrorOption(exit.cause);
  if (found._tag !== "Some") throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`);
  return found.value;
};

/** The `ArchiveInvalid` an exit failed with. */
export const archiveInvalid = <A>(exit: Exit.Exit<A, ArchiveInvalid | EnvironmentFault>): ArchiveInvalid => {
  const error = failed(exit);
  if (error._tag !== "ArchiveInvalid") throw new Error(`expected ArchiveInvalid, got ${String(error)}`);
  return error;
};

/** Extracts the regular files and directories of a tar into `directory` (for OCI layout directory tests). */
export const extractTar = async (path: string, directory: string): Promise<void> => {
  const index = await Effect.runPromise(indexTar({ file: path, path, what: "the file" }));
  const bytes = await readFile(path);
  for (const entry of index.entries.values()) {
    const target = join(directory, entry.name);
    if (entry.kind === "directory") await mkdir(target, { recursive: true });
    if (entry.kind !== "file") continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size));
  }
};
