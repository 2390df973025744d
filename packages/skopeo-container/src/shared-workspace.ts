import { basename, posix } from "node:path";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { EnvironmentFault } from "@skopush/core";
import { makeLocalWorkspace, type Workspace } from "@skopush/skopeo";
import type { SharedDirectory } from "./shared-directory.js";
import { trustedSharedDirectory } from "./shared-directory-trust.js";

/** The prefix of every workspace skopush creates in a shared directory. */
export const WORKSPACE_PREFIX = "skopush-";

const codeOf = (cause: unknown): string | undefined => (cause as NodeJS.ErrnoException | undefined)?.code;

/** Why a file-system call in the shared directory failed, as an `EnvironmentFault` that says what to do. */
export const sharedDirectoryFault = (strategy: string, shared: SharedDirectory, action: string, cause: unknown): EnvironmentFault => {
  const code = codeOf(cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  const fix =
    code === "EACCES" || code === "EPERM" || code === "EROFS"
      ? `make ${shared.hostPath} yours (chown it to this user, mode 0700), or set SKOPEO_SHARED_DIR to a directory you own and recreate the container with it mounted at ${shared.containerPath}`
      : code === "ENOSPC"
        ? `free space on the file system of ${shared.hostPath}, or set SKOPEO_SHARED_DIR to a directory on a larger one`
        : undefined;
  return new EnvironmentFault({ strategy, reason: `cannot ${action} in the shared directory ${shared.hostPath}: ${detail}`, fix, cause });
};

/**
 * One push's private workspace (`skopush-XXXXXX`, mode 0700, with skopeo's `tmp/`) inside the shared
 * directory, under its host path and its container path; removed with everything in it when the scope
 * closes, however the push ends. Concurrent pushes through one container each get their own. The shared
 * directory is checked first (created 0700 when missing); one another user could write to is refused.
 */
export const sharedWorkspace = (strategy: string, shared: SharedDirectory): Effect.Effect<Workspace, EnvironmentFault, Scope.Scope> =>
  trustedSharedDirectory(shared).pipe(
    Effect.mapError((refusal) => new EnvironmentFault({ strategy, reason: refusal.reason, fix: refusal.fix })),
    Effect.andThen(
      makeLocalWorkspace({
        strategy,
        parent: shared.hostPath,
        prefix: WORKSPACE_PREFIX,
        skopeoPathOf: (hostPath) => posix.join(shared.containerPath, basename(hostPath)),
      }).pipe(
        Effect.mapError((fault) => (fault.cause === undefined ? fault : sharedDirectoryFault(strategy, shared, "create a workspace", fault.cause))),
      ),
    ),
  );
