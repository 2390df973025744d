import { randomBytes } from "node:crypto";
import { realpath, rm, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { PROBE_EXIT } from "./in-container-process.js";
import type { SharedDirectory } from "./shared-directory.js";

/** A file the host writes into the shared directory for the probe to look for inside the container. */
export interface ProbeMarker {
  /** Its path inside the container. */
  readonly path: string;
  readonly content: string;
}

/** A reason and a fix, for a probe's `StrategyUnavailable`. */
export interface ProbeProblem {
  readonly reason: string;
  readonly fix?: string | undefined;
}

/**
 * Writes a marker file (`.skopush-probe-<random>`) into the shared directory and removes it when the
 * scope closes. Seeing it inside the container proves the mount is live, which inspecting the mounts
 * cannot: a remote daemon mounts a directory of its own machine with the same path, and a directory
 * deleted and recreated on the host (a /tmp cleaner) is no longer the one the container has. The shared
 * directory must exist (`trustedSharedDirectory` first).
 */
export const probeMarker = (shared: SharedDirectory): Effect.Effect<ProbeMarker, ProbeProblem, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const content = randomBytes(12).toString("hex");
        const name = `.skopush-probe-${content}`;
        await writeFile(join(shared.hostPath, name), `${content}\n`, { mode: 0o644, flag: "wx" });
        return { name, marker: { path: posix.join(shared.containerPath, name), content } };
      },
      catch: (cause): ProbeProblem => ({
        reason: `cannot write into the shared directory ${shared.hostPath}: ${(cause as Error).message}`,
        fix: `make ${shared.hostPath} yours (mode 0700), or set SKOPEO_SHARED_DIR to a directory you own and recreate the container with it mounted at ${shared.containerPath}`,
      }),
    }),
    ({ name }) => Effect.promise(() => rm(join(shared.hostPath, name), { force: true }).catch(() => undefined)),
  ).pipe(Effect.map(({ marker }) => marker));

/** The host directory's canonical path, for comparing with what the daemon reports; undefined when it does not exist. */
export const hostRealPath = (shared: SharedDirectory): Effect.Effect<string | undefined> =>
  Effect.promise(() => realpath(shared.hostPath).catch(() => undefined));

/** What the context of a probe's messages names. */
export interface ProbeExitContext {
  readonly container: string;
  readonly shared: SharedDirectory;
  /** How to create the container, for fixes. */
  readonly createCommand: string;
}

/**
 * The problem a non-zero exit of the probe command (see `probeCommand`) reports, or undefined for exit
 * codes it does not define (the caller classifies those from stderr).
 */
export const probeExitProblem = (exitCode: number, context: ProbeExitContext, stdout = ""): ProbeProblem | undefined => {
  const { container, shared } = context;
  if (exitCode === PROBE_EXIT.programMissing) {
    return {
      reason: `container ${container} lacks ${stdout.trim() || "a program"}, which skopush needs to clean up after a push that uploads the archive into the container`,
      fix: `use an image with coreutils (quay.io/skopeo/stable has them): ${context.createCommand}`,
    };
  }
  if (exitCode === PROBE_EXIT.markerMissing || exitCode === PROBE_EXIT.markerDiffers) {
    return {
      reason: `container ${container} does not see the files written to ${shared.hostPath}: its mount at ${shared.containerPath} is another directory (the daemon runs on another machine or VM, Docker Desktop does not share this path, or the directory was recreated after the container started)`,
      fix: `docker restart ${container}; on Docker Desktop share the directory (Settings → Resources → File sharing); with a remote daemon use the dockerode strategy, which uploads the archive into the container`,
    };
  }
  if (exitCode === PROBE_EXIT.noSkopeo) {
    return {
      reason: `skopeo is not installed in container ${container}`,
      fix: `create the container from an image with skopeo: ${context.createCommand}`,
    };
  }
  return undefined;
};
