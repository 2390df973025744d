import { NativeSkopeoStrategy } from "@skopush/strategy-native";
import { writePrivateCacheSkopeo } from "../private-skopeo-cache.js";
import type { StrategyFactory } from "../strategy-row.js";

/** The native strategy, its skopeo run with the row's private blob-info cache (as the raw `skopeo copy` row). */
const factory: StrategyFactory = async (job) => new NativeSkopeoStrategy({ skopeoPath: await writePrivateCacheSkopeo(job.rowDir) });
export default factory;
