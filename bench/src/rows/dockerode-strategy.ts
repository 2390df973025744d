import { DockerodePushStrategy } from "@skopush/strategy-dockerode";
import type { StrategyFactory } from "../strategy-row.js";
import { containerOf, sharedDirOf } from "./container-job.js";

/** The dockerode strategy with the bench's resident container, through the shared directory. */
const factory: StrategyFactory = (job) =>
  new DockerodePushStrategy({ containerName: containerOf(job).name, sharedDir: sharedDirOf(job), transfer: "shared-directory" });
export default factory;
