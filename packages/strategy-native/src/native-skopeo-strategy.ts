import { ProbeCache, type ProgressSink, type PushError, type PushOutcome, type PushRequest, type PushStrategy, type StrategyUnavailable, type Unsupported } from "@skopush/core";
import { skopeoCopy, skopeoSupports, type SkopeoVersion } from "@skopush/skopeo";
import * as Effect from "effect/Effect";
import { inject, injectable } from "tsyringe";
import { NativeSkopeoHost } from "./native-skopeo-host.js";
import {
  NATIVE_SKOPEO_OPTIONS,
  resolveNativeSkopeoOptions,
  skopeoEnvironment,
  type NativeSkopeoOptions,
  type ResolvedNativeSkopeoOptions,
} from "./native-skopeo-options.js";
import { probeSkopeo } from "./probe-skopeo.js";

/**
 * Pushes with the host's `skopeo` binary. The probe runs `skopeo --version` (no network) and reuses
 * its answer for `probeCacheTtl` (30 s by default), so a chain pushing many images does not start
 * skopeo once per push just to ask.
 */
@injectable()
export class NativeSkopeoStrategy implements PushStrategy {
  readonly name: string;
  readonly description: string;
  readonly options: ResolvedNativeSkopeoOptions;
  private readonly host: NativeSkopeoHost;
  private readonly probeCache: ProbeCache<SkopeoVersion, StrategyUnavailable>;

  constructor(@inject(NATIVE_SKOPEO_OPTIONS, { isOptional: true }) options?: NativeSkopeoOptions) {
    this.options = resolveNativeSkopeoOptions(options);
    this.name = this.options.name;
    this.host = new NativeSkopeoHost(this.name, this.options);
    this.description = this.options.skopeoPath === "skopeo" ? "skopeo on this host" : `skopeo on this host (${this.options.skopeoPath})`;
    this.probeCache = new ProbeCache(
      Effect.suspend(() => probeSkopeo(this.name, this.options, skopeoEnvironment(this.options))),
      this.options.probeCacheTtl,
    );
  }

  /** The skopeo release the probe found (from the cache when fresh). */
  version(): Effect.Effect<SkopeoVersion, StrategyUnavailable> {
    return this.probeCache.get();
  }

  /** Every request but `compression: "none"`, which skopeo cannot write to a registry. */
  supports(request: PushRequest): true | Unsupported {
    return skopeoSupports(request);
  }

  probe(): Effect.Effect<void, StrategyUnavailable> {
    return Effect.asVoid(this.version());
  }

  push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    return skopeoCopy(this.host, request, progress);
  }
}
