import { join } from "node:path";
import { RegistryPushStrategy } from "@skopush/strategy-registry";
import type { StrategyFactory } from "../strategy-row.js";

/** The `registry` strategy sending uncompressed layers as `compression: "none"`, its cache in the row's directory. */
const factory: StrategyFactory = (job) => new RegistryPushStrategy({ blobInfoCacheDir: join(job.rowDir, "blob-info-cache"), compression: "none" });
export default factory;
