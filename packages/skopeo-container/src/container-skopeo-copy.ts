import * as Effect from "effect/Effect";
import type { ProgressSink, PushError, PushOutcome, PushRequest } from "@skopush/core";
import { skopeoCopy, type SkopeoHost } from "@skopush/skopeo";
import type { ContainerFacts } from "./container-facts.js";
import { reclassifyForContainerNetwork } from "./network-fault.js";

/**
 * `skopeoCopy` as a container strategy runs it: a loopback registry its container cannot reach is the
 * environment's fault ({@link reclassifyForContainerNetwork}), and an `EnvironmentFault` runs
 * `onEnvironmentFault` (the strategy clears its probe cache, so the next push looks at the container again).
 */
export const containerSkopeoCopy = (
  host: SkopeoHost,
  request: PushRequest,
  progress: ProgressSink,
  facts: Pick<ContainerFacts, "name" | "networkMode">,
  onEnvironmentFault: Effect.Effect<void>,
): Effect.Effect<PushOutcome, PushError> =>
  skopeoCopy(host, request, progress).pipe(
    Effect.mapError((error) => reclassifyForContainerNetwork(error, facts, host.strategy, request.destination.registry)),
    Effect.tapError((error) => (error._tag === "EnvironmentFault" ? onEnvironmentFault : Effect.void)),
  );
