import { randomBytes } from "node:crypto";
import * as Effect from "effect/Effect";
import type { PushError } from "@skopush/core";
import type { HarborClient } from "./harbor-client.js";
import type { Robot } from "./harbor-types.js";

/** How an ephemeral robot is made. */
export interface EphemeralRobotOptions {
  /** Its lifetime in days: a safety net should the delete never run (the process killed). @default 1 */
  readonly durationDays?: number | undefined;
  /** The start of its short name; a random suffix follows. @default "skopush" */
  readonly namePrefix?: string | undefined;
}

/**
 * A project robot that lives as long as the scope: created for one push, deleted when the push ends,
 * whether it succeeded, failed or was interrupted. A failed delete is logged, not raised: the push's
 * own outcome matters more, and the robot expires by itself.
 */
export const ephemeralRobot = (
  client: HarborClient,
  project: string,
  repository: string,
  options: EphemeralRobotOptions = {},
): Effect.Effect<Robot, PushError, import("effect").Scope.Scope> =>
  Effect.acquireRelease(
    client.createRobot({
      project,
      name: `${options.namePrefix ?? "skopush"}-${randomBytes(4).toString("hex")}`,
      durationDays: options.durationDays ?? 1,
      description: `skopush: push of ${repository}; deleted when the push ends`,
    }),
    (robot) =>
      client.deleteRobot(robot.id).pipe(
        Effect.catch((error) =>
          Effect.logWarning(`[skopush] [harbor] could not delete ephemeral robot ${robot.name} (id ${robot.id}): ${error.message}`),
        ),
      ),
  );
