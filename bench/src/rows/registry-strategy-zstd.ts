import { join } from "node:path";
import { RegistryPushStrategy } from "@skopush/strategy-registry";
import type { StrategyFactory } from "../strategy-row.js";

/** The `registry` strategy sending uncompressed layers as `compression: "zstd"`, its cache in the row's directory. */
const factory: StrategyFactory = (job) => new RegistryPushStrategy({ blobInfoCacheDir: join(job.rowDir, "blob-info-cache"), compression: "zstd" });
export default factory;
