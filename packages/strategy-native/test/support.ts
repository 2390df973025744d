import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterEach } from "vitest";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh private temp dir, removed after the test. */
export const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "skopush-native-test-"));
  dirs.push(dir);
  return dir;
};

/** Writes an executable `sh` script standing in for skopeo; returns its path. */
export const fakeSkopeo = async (dir: string, body: string, name = "skopeo"): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
};

/** The typed error an effect fails with; throws when it succeeds or dies. */
export const failureOf = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`);
  const error = Cause.findErrorOption(exit.cause);
  if (error._tag === "None") throw new Error(`expected a typed error, got ${Cause.pretty(exit.cause)}`);
  return error.value;
};

/** True while process `pid` exists and is not a zombie. */
export const isRunning = async (pid: number): Promise<boolean> => {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat !== undefined && !/^\d+ \(.*\) Z /.test(stat);
};
