import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { Effect } from "effect";
import { NotReady, TestEnvironmentError } from "./errors.js";
import { isAlive } from "./process.js";
import { pollUntilReady } from "./wait.js";

const holderOf = (file: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

const tryAcquire = (file: string): Effect.Effect<void, TestEnvironmentError | NotReady> =>
  Effect.suspend((): Effect.Effect<void, TestEnvironmentError | NotReady> => {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return Effect.void;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        return Effect.fail(new TestEnvironmentError({ step: "lock", reason: `cannot create ${file}: ${(error as Error).message}` }));
      }
    }
    const holder = holderOf(file);
    // A lock whose holder died (or that never got its pid written) is stale.
    if (holder === undefined || !isAlive(holder)) rmSync(file, { force: true });
    return Effect.fail(new NotReady({ reason: `process ${holder ?? "?"} holds ${file}` }));
  });

/**
 * Runs `effect` while holding the state directory's lock, so that two processes never start or stop the
 * same environment at once; waits for a live holder, takes over a dead one's lock.
 */
export const withStateLock = <A, E, R>(
  file: string,
  effect: Effect.Effect<A, E, R>,
  waitMs = 600_000,
): Effect.Effect<A, E | TestEnvironmentError, R> =>
  Effect.acquireUseRelease(
    pollUntilReady(tryAcquire(file), { intervalMs: 200, withinMs: waitMs }, (last) =>
      new TestEnvironmentError({
        step: "lock",
        reason: `${last.reason} for more than ${Math.round(waitMs / 1000)} s`,
        fix: `wait for that process, or remove ${file} if it is not running`,
      }),
    ),
    () => effect,
    () => Effect.sync(() => (holderOf(file) === process.pid ? rmSync(file, { force: true }) : undefined)),
  );
