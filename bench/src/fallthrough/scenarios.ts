import type { PushStrategy } from "@skopush/core";
import { DockerExecPushStrategy } from "@skopush/strategy-docker-exec";
import { DockerodePushStrategy } from "@skopush/strategy-dockerode";
import { NativeSkopeoStrategy } from "@skopush/strategy-native";
import type { FallthroughContext } from "./fallthrough-context.js";

/** One way of being unavailable: fresh strategies (empty probe caches) that cannot push here. */
export interface FallthroughScenario {
  readonly name: string;
  readonly unavailable: (context: FallthroughContext) => ReadonlyArray<PushStrategy>;
}

const dockerExecMissing = (c: FallthroughContext) => new DockerExecPushStrategy({ containerName: c.missingContainer, sharedDir: c.sharedDir });
const dockerodeMissing = (c: FallthroughContext) => new DockerodePushStrategy({ containerName: c.missingContainer, sharedDir: c.sharedDir });
const nativeWithoutSkopeo = (c: FallthroughContext) => new NativeSkopeoStrategy({ env: { ...process.env, PATH: c.emptyPathDir } });

/** The chain `[working]` alone: the baseline every scenario is compared with. */
export const BASELINE = "baseline";

/** The unavailable strategies measured, each put in front of the working one. */
export const SCENARIOS: ReadonlyArray<FallthroughScenario> = [
  { name: "docker-exec: container missing", unavailable: (c) => [dockerExecMissing(c)] },
  {
    name: "docker-exec: container stopped",
    unavailable: (c) => [new DockerExecPushStrategy({ containerName: c.stoppedContainer, sharedDir: c.sharedDir })],
  },
  {
    name: "docker-exec: no docker CLI on PATH",
    unavailable: (c) => [new DockerExecPushStrategy({ sharedDir: c.sharedDir, env: { ...process.env, PATH: c.emptyPathDir } })],
  },
  { name: "dockerode: container missing", unavailable: (c) => [dockerodeMissing(c)] },
  {
    name: "dockerode: container stopped",
    unavailable: (c) => [new DockerodePushStrategy({ containerName: c.stoppedContainer, sharedDir: c.sharedDir })],
  },
  {
    name: "dockerode: DOCKER_HOST at a dead socket",
    unavailable: (c) => [new DockerodePushStrategy({ sharedDir: c.sharedDir, env: { DOCKER_HOST: c.deadDockerHost } })],
  },
  { name: "native: no skopeo on PATH", unavailable: (c) => [nativeWithoutSkopeo(c)] },
  {
    name: "all three: docker-exec + dockerode (container missing), native (no skopeo)",
    unavailable: (c) => [dockerExecMissing(c), dockerodeMissing(c), nativeWithoutSkopeo(c)],
  },
];
