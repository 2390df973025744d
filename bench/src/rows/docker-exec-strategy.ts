import { DockerExecPushStrategy } from "@skopush/strategy-docker-exec";
import type { StrategyFactory } from "../strategy-row.js";
import { containerOf, sharedDirOf } from "./container-job.js";

/** The docker-exec strategy with the bench's resident container and shared directory. */
const factory: StrategyFactory = (job) => new DockerExecPushStrategy({ containerName: containerOf(job).name, sharedDir: sharedDirOf(job) });
export default factory;
