import type { ProgressSink, PushError, PushOutcome, PushRequest, PushStrategy, StrategyUnavailable } from "@skopush/core";
import { skopeoCopy, type SkopeoVersion } from "@skopush/skopeo";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
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
 * its answer for `probeCacheTtlMs` (30 s by default), so a chain pushing many images does not start
 * skopeo once per push just to ask.
 */
@injectable()
export class NativeSkopeoStrategy implements PushStrategy {
  readonly name = "native";
  readonly options: ResolvedNativeSkopeoOptions;
  private readonly host: NativeSkopeoHost;
  private cached: { readonly at: number; readonly exit: Exit.Exit<SkopeoVersion, StrategyUnavailable> } | undefined;

  constructor(@inject(NATIVE_SKOPEO_OPTIONS, { isOptional: true }) options?: NativeSkopeoOptions) {
    this.options = resolveNativeSkopeoOptions(options);
    this.host = new NativeSkopeoHost(this.name, this.options);
  }

  /** The skopeo release the probe found (from the cache when fresh). */
  version(): Effect.Effect<SkopeoVersion, StrategyUnavailable> {
    return Effect.gen({ self: this }, function* () {
      const now = yield* Clock.currentTimeMillis;
      if (this.cached === undefined || now - this.cached.at >= this.options.probeCacheTtlMs) {
        const exit = yield* Effect.exit(probeSkopeo(this.name, this.options, skopeoEnvironment(this.options, process.env)));
        this.cached = { at: now, exit };
      }
      return yield* this.cached.exit;
    });
  }

  probe(): Effect.Effect<void, StrategyUnavailable> {
    return Effect.asVoid(this.version());
  }

  push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError> {
    return skopeoCopy(this.host, request, progress);
  }
}
