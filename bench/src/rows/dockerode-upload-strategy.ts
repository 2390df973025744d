import { DockerodePushStrategy } from "@skopush/strategy-dockerode";
import type { StrategyFactory } from "../strategy-row.js";
import { containerOf, sharedDirOf } from "./container-job.js";

/** The dockerode strategy streaming the archive into the bench's resident container (`putArchive`), as with a remote daemon. */
const factory: StrategyFactory = (job) =>
  new DockerodePushStrategy({ containerName: containerOf(job).name, sharedDir: sharedDirOf(job), transfer: "upload" });
export default factory;
