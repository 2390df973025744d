import { constants } from "node:os";
import * as Effect from "effect/Effect";
import * as Schedule from "effect/Schedule";

/** What a container strategy knows when skopeo ended with an exit code of 128 or more. */
export interface KilledSkopeoContext {
  readonly container: string;
  /** The exit code `docker exec` (or exec inspect) reported: 128 + the signal's number. */
  readonly exitCode: number;
  /** Whether the container still runs, as inspected right after; undefined when that could not be told. */
  readonly containerRunning: boolean | undefined;
}

/** A reason and a fix for an `EnvironmentFault`. */
export interface KilledSkopeoProblem {
  readonly reason: string;
  readonly fix: string;
}

/** The first exit code that means "killed by a signal" (a shell and `docker exec` report 128 + the signal). */
export const SIGNAL_EXIT_BASE = 128;

const signalName = (exitCode: number): string | undefined => {
  const number = exitCode - SIGNAL_EXIT_BASE;
  return Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
};

/**
 * skopeo exits 1 on its own failures; an exit code of 128 or more means a signal ended it inside the
 * container: the container stopped or was killed under the push (its processes die with it), or skopeo
 * alone was killed (the kernel's OOM killer). Either is the environment's fault, not skopeo's, and the
 * chain moves on to the next strategy.
 */
export const killedSkopeoProblem = (context: KilledSkopeoContext): KilledSkopeoProblem => {
  const signal = signalName(context.exitCode);
  const how = `exit code ${context.exitCode}${signal ? `, killed by ${signal}` : ""}`;
  if (context.containerRunning === false) {
    return {
      reason: `container ${context.container} stopped under the push (skopeo ended with ${how})`,
      fix: `start it again (docker start ${context.container}, or skopush service start) and check why it stopped (docker logs ${context.container}, docker inspect ${context.container})`,
    };
  }
  return {
    reason: `skopeo was ended by a signal inside container ${context.container} (${how}): the kernel's OOM killer, or another process`,
    fix: `check the container's memory limit (docker inspect ${context.container}) and the kernel log (dmesg)`,
  };
};

/**
 * The container's state as `check` reads it, asked again for up to two seconds while it still says
 * "running": the daemon reports the end of an exec before it has processed the end of the container that
 * took it down, so a container killed under a push looks alive for a moment.
 */
export const settledContainerState = <S>(check: Effect.Effect<true | S>): Effect.Effect<true | S> =>
  check.pipe(
    Effect.flatMap((state) => (state === true ? Effect.fail("still running" as const) : Effect.succeed(state))),
    Effect.retry({ schedule: Schedule.spaced("100 millis"), times: 20 }),
    Effect.orElseSucceed(() => true as const),
  );
