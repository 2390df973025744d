import type { BenchRow } from "../bench-row.js";
import { resetPrivateCache } from "../private-skopeo-cache.js";
import { strategyRow } from "../strategy-row.js";

/** skopush's native strategy: the host's skopeo through execa, beside raw `skopeo copy`. */
export const nativeRow: BenchRow = strategyRow({
  name: "skopush native",
  description: "NativeSkopeoStrategy, default options, its skopeo's blob-info cache private to the row, in a fresh Node process",
  factory: new URL("./native-strategy.js", import.meta.url),
  clearClientCaches: (job) => resetPrivateCache(job.rowDir),
});
