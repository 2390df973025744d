import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { BenchRow } from "../bench-row.js";
import { strategyRow } from "../strategy-row.js";

const clearCache: BenchRow["clearClientCaches"] = (job) => rm(join(job.rowDir, "blob-info-cache"), { recursive: true, force: true });

/** skopush's pure TypeScript strategy with its defaults (concurrency 4, gzip level 1, incompressible data stored). */
export const registryRow: BenchRow = strategyRow({
  name: "skopush registry",
  description: "RegistryPushStrategy (pure TypeScript), default options, in a fresh Node process",
  factory: new URL("./registry-strategy.js", import.meta.url),
  clearClientCaches: clearCache,
});

/** The same at gzip level 6: the size/time trade-off of the compression level. */
export const registryLevel6Row: BenchRow = strategyRow({
  name: "skopush registry (gzip -6)",
  description: "RegistryPushStrategy with compressionLevel: 6",
  factory: new URL("./registry-strategy-level6.js", import.meta.url),
  clearClientCaches: clearCache,
});

/** The same sending layers as OCI `tar+zstd` (level 3): issue 18.2's choice of compression. */
export const registryZstdRow: BenchRow = strategyRow({
  name: "skopush registry (zstd)",
  description: "RegistryPushStrategy with compression: zstd",
  factory: new URL("./registry-strategy-zstd.js", import.meta.url),
  clearClientCaches: clearCache,
});

/** The same sending layers uncompressed (`compression: "none"`), for fast local networks. */
export const registryNoneRow: BenchRow = strategyRow({
  name: "skopush registry (none)",
  description: "RegistryPushStrategy with compression: none",
  factory: new URL("./registry-strategy-none.js", import.meta.url),
  clearClientCaches: clearCache,
});
