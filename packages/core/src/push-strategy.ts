import type { LayerCompressionChoice } from "./push-request.js";
import type * as Effect from "effect/Effect";
import type { PushError, StrategyUnavailable } from "./errors.js";
import type { ProgressSink } from "./progress.js";
import type { PushRequest } from "./push-request.js";

/** What a successful push produced. */
export interface PushOutcome {
  /** The manifest digest the registry stored, `sha256:…`. */
  readonly digest: string;
  /** Bytes sent to the registry (or, for skopeo strategies, the archive's blob bytes it copied). */
  readonly bytesPushed: number;
  /** Read back after the push: the tag resolves to `digest`, whose manifest references the archive's config. */
  readonly verified?: boolean | undefined;
  /** What layers stored uncompressed were sent as, when the strategy knows (it honoured the request's `compression`). */
  readonly compression?: LayerCompressionChoice | undefined;
  /** The push was cancelled after the registry had taken its manifest: the tag holds the image, the cancel came too late. */
  readonly cancelledTooLate?: boolean | undefined;
}

/** `supports`'s answer when a strategy cannot push this request, with the reason its attempt records. */
export interface Unsupported {
  readonly supported: false;
  /** Why, as the attempt shows it: "it cannot push uncompressed layers (compression none)". */
  readonly reason: string;
  /** What would make it push, when something would. */
  readonly fix?: string | undefined;
}

/** One way to push an image archive. Implementations put the technology first: `NativeSkopeoStrategy`. */
export interface PushStrategy {
  /** The name used in attempts, results and `--strategy`, e.g. `native`. */
  readonly name: string;
  /** How it pushes, in a few words shown as its progress starts, e.g. `skopeo in container skopeo-service`. */
  readonly description?: string | undefined;
  /**
   * Whether this strategy pushes this request at all (e.g. one registry's hosts, or a compression it can
   * write). The chain asks before the probe; `false` counts as "unavailable for this destination" in the
   * attempts, an {@link Unsupported} as unavailable with its own reason.
   * @default every request
   */
  supports?(request: PushRequest): boolean | Unsupported;
  /** A cheap check (no push, no registry traffic) that this strategy can run here now. */
  probe(): Effect.Effect<void, StrategyUnavailable>;
  /** Pushes the archive. Interrupting the effect cancels the push and removes what it created. */
  push(request: PushRequest, progress: ProgressSink): Effect.Effect<PushOutcome, PushError>;
}
