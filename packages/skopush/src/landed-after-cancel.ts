import { inspectArchive } from "@skopush/archive";
import type { PushOutcome, PushRequest } from "@skopush/core";
import { readDestination } from "@skopush/registry-client";
import * as Effect from "effect/Effect";

/**
 * The arbiter of a cancelled push, asked once its strategy has stopped (skopeo included): when the
 * destination's tag now holds a manifest that references the archive's own config, the registry had taken
 * the manifest before the cancel could stop the push, and the push is reported as the success it is
 * (`cancelledTooLate`), not as cancelled with the tag written. A docker → OCI conversion re-encodes the
 * config, so such a push cannot be recognised and stays cancelled. Any failure to tell keeps it cancelled.
 */
export const landedAfterCancel = (request: PushRequest): Effect.Effect<PushOutcome | undefined> =>
  Effect.gen(function* () {
    const summary = yield* inspectArchive(request.archive.path, { format: request.archive.format });
    if (request.manifestFormat === "oci" && summary.format === "docker-archive") return undefined;
    const stored = yield* readDestination(request);
    if (stored === undefined || stored.configDigest !== summary.configDigest) return undefined;
    return { digest: stored.digest, bytesPushed: 0, verified: true };
  }).pipe(Effect.orElseSucceed(() => undefined));
