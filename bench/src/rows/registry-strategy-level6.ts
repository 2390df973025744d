import { join } from "node:path";
import { RegistryPushStrategy } from "@skopush/strategy-registry";
import type { StrategyFactory } from "../strategy-row.js";

/** The `registry` strategy compressing at gzip level 6 (smaller layers, more CPU), its cache in the row's directory. */
const factory: StrategyFactory = (job) =>
  new RegistryPushStrategy({ blobInfoCacheDir: join(job.rowDir, "blob-info-cache"), compressionLevel: 6 });
export default factory;
