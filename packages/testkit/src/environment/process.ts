import { readFileSync } from "node:fs";
import { Effect } from "effect";
import { NotReady, TestEnvironmentError } from "./errors.js";
import { pollUntilReady } from "./wait.js";

/** True when a process with this id exists (zombies included). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The argv of a live process, or undefined when it is gone. */
export const commandLineOf = (pid: number): ReadonlyArray<string> | undefined => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((arg) => arg !== "");
  } catch {
    return undefined;
  }
};

/** True when `pid` is alive and its argv satisfies `matches`: a pid recorded earlier may belong to someone else now. */
export const isOurProcess = (pid: number | undefined, matches: (argv: ReadonlyArray<string>) => boolean): boolean => {
  if (pid === undefined || !isAlive(pid)) return false;
  const argv = commandLineOf(pid);
  return argv !== undefined && matches(argv);
};

const isZombieOrGone = (pid: number): boolean => {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
};

/** Sends SIGTERM, waits up to `graceMs` for the process to exit, then SIGKILLs it and waits again. */
export const terminate = (step: string, pid: number, graceMs = 10_000): Effect.Effect<void, TestEnvironmentError> => {
  const gone = Effect.suspend(() =>
    isZombieOrGone(pid) ? Effect.void : Effect.fail(new NotReady({ reason: `process ${pid} is still running` })),
  );
  const signal = (name: NodeJS.Signals) =>
    Effect.sync(() => {
      try {
        process.kill(pid, name);
      } catch {
        // already gone
      }
    });
  return signal("SIGTERM").pipe(
    Effect.andThen(
      pollUntilReady(gone, { intervalMs: 50, withinMs: graceMs }, (last) => new TestEnvironmentError({ step, reason: last.reason })),
    ),
    Effect.catchTag("TestEnvironmentError", () =>
      signal("SIGKILL").pipe(
        Effect.andThen(
          pollUntilReady(gone, { intervalMs: 50, withinMs: 5_000 }, (last) =>
            new TestEnvironmentError({ step, reason: `${last.reason} even after SIGKILL` }),
          ),
        ),
      ),
    ),
  );
};
