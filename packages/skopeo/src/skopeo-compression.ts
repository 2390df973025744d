import { StrategyFailed, StrategyUnavailable, type LayerCompressionChoice, type ManifestFormat, type PushRequest, type Unsupported } from "@skopush/core";
import type { SkopeoCompressFormat } from "./copy-args.js";

/** How skopeo is told to honour a request's `compression`: its `--dest-compress-format` and `--format`. */
export interface SkopeoCompressionPlan {
  /** What the push reports in `PushOutcome.compression`. */
  readonly compression: Exclude<LayerCompressionChoice, "none">;
  /** `--dest-compress-format`; absent for gzip, skopeo's own choice, so layers the archive stores compressed keep their codec. */
  readonly compressFormat: SkopeoCompressFormat | undefined;
  /** `--format`: zstd layers need an OCI manifest, so zstd makes it `oci` when the request names none. */
  readonly manifestFormat: ManifestFormat | undefined;
}

const NONE_REASON = "skopeo cannot push uncompressed layers to a registry (compression none); it always compresses them";
const NONE_FIX = "the registry strategy sends them as they are; or choose gzip or zstd";

/**
 * Every skopeo strategy's `supports(request)`: everything but `compression: "none"`, which skopeo 1.9 has no
 * way to write to a registry, so the chain moves on (to the registry strategy) and records why.
 */
export const skopeoSupports = (request: PushRequest): true | Unsupported =>
  request.compression === "none" ? { supported: false, reason: NONE_REASON, fix: NONE_FIX } : true;

/**
 * The flags for the request's compression, or why skopeo cannot honour it: `none` (when a caller pushes
 * without the chain's `supports`) and zstd with a Docker schema 2 manifest, which cannot describe zstd.
 */
export const skopeoCompressionPlan = (strategy: string, request: PushRequest): SkopeoCompressionPlan | StrategyFailed | StrategyUnavailable => {
  const compression = request.compression ?? "gzip";
  if (compression === "none") return new StrategyUnavailable({ strategy, reason: NONE_REASON, fix: NONE_FIX });
  if (compression === "gzip") return { compression, compressFormat: undefined, manifestFormat: request.manifestFormat };
  if (request.manifestFormat === "v2s2") {
    return new StrategyFailed({
      strategy,
      reason: 'zstd layers need an OCI manifest, and the push asks for Docker schema 2 (manifest format "v2s2"); choose gzip or the OCI format',
    });
  }
  return { compression, compressFormat: "zstd", manifestFormat: "oci" };
};

/**
 * What skopeo sent, from the layers' media types read back: skopeo 1.9's blob-info cache may reuse a
 * layer the registry holds in the other codec (a gzip push of layers once pushed as zstd gets the zstd
 * blobs, and an OCI manifest), so the manifest, not the flag, says. `asked` when nothing was read back.
 */
export const compressionSent = (asked: Exclude<LayerCompressionChoice, "none">, stored: unknown): Exclude<LayerCompressionChoice, "none"> => {
  const types = (stored as { layerMediaTypes?: unknown } | undefined)?.layerMediaTypes;
  if (!Array.isArray(types) || types.length === 0) return asked;
  if (types.some((type) => typeof type === "string" && type.endsWith("zstd"))) return "zstd";
  if (types.some((type) => typeof type === "string" && type.endsWith("gzip"))) return "gzip";
  return asked;
};
