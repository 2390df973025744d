import { Timeout } from "@skopush/core";
import * as Effect from "effect/Effect";

/** Watches a running skopeo for progress; see {@link stallWatch}. */
export interface StallWatch {
  /** Called with skopeo's byte count (`/proc/<pid>/io`) each time the host samples it. */
  readonly bytes: (total: number) => void;
  /** Called with every line skopeo prints: a new blob, the manifest, are progress too. */
  readonly line: () => void;
  /** Fails with `Timeout` (stage `stall`) once nothing moved for `stallMs`; never succeeds. */
  readonly expired: Effect.Effect<never, Timeout>;
}

/**
 * What a byte count must grow by to count as progress. A skopeo blocked on a silent registry still reads a
 * few bytes every second or two (the Go runtime's own reads count in `rchar`); real progress reads the
 * archive in chunks of 32 KiB and more, or prints a line.
 */
export const STALL_PROGRESS_BYTES = 64 * 1024;

/**
 * skopeo has no time limits of its own: a registry that stops reading an upload, or never answers,
 * leaves it blocked forever. This watch fails when skopeo's byte count and output stood still for
 * `stallMs` (a count grown by less than {@link STALL_PROGRESS_BYTES} did not move). It arms on the first
 * byte count only, so a host that cannot measure bytes (another user's
 * process, not Linux) is never stopped for a long blob that prints nothing.
 */
export const stallWatch = (stallMs: number, what: { readonly registry: string; readonly destination: string }): StallWatch => {
  let armed = false;
  let lastBytes = -1;
  let bytesAtLastMove = -1;
  let lastMoved = Date.now();
  const moved = () => {
    lastMoved = Date.now();
  };
  const expired = Effect.gen(function* () {
    const tick = Math.max(10, Math.min(1_000, Math.floor(stallMs / 4)));
    for (;;) {
      yield* Effect.sleep(tick);
      if (armed && Date.now() - lastMoved >= stallMs) {
        return yield* Effect.fail(
          new Timeout({
            operation: `skopeo copy to ${what.destination}`,
            afterMs: stallMs,
            stage: "stall",
            detail: `skopeo moved no byte to or from ${what.registry} for ${stallMs} ms (${Math.max(0, lastBytes)} bytes read in all); it was stopped`,
          }),
        );
      }
    }
  });
  return {
    bytes: (total) => {
      armed = true;
      lastBytes = total;
      if (bytesAtLastMove < 0 || total - bytesAtLastMove >= STALL_PROGRESS_BYTES) {
        bytesAtLastMove = total;
        moved();
      }
    },
    line: moved,
    expired,
  };
};
