import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join, posix } from "node:path";
import { Effect, type Scope } from "effect";
import { EnvironmentFault } from "@skopush/core";
import type { SharedDirectory } from "./shared-directory.js";

/** One push's private directory inside the shared directory, under its host and container paths. */
export interface SharedWorkspace {
  /** The directory on this machine (mode 0700). */
  readonly hostPath: string;
  /** The same directory inside the resident container. */
  readonly containerPath: string;
}

/** The prefix of every workspace skopush creates in a shared directory. */
export const WORKSPACE_PREFIX = "skopush-";

const codeOf = (cause: unknown): string | undefined => (cause as NodeJS.ErrnoException | undefined)?.code;

/** Why a file-system call in the shared directory failed, as an `EnvironmentFault` that says what to do. */
export const sharedDirectoryFault = (strategy: string, shared: SharedDirectory, action: string, cause: unknown): EnvironmentFault => {
  const code = codeOf(cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  const fix =
    code === "EACCES" || code === "EPERM" || code === "EROFS"
      ? `make ${shared.hostPath} writable for this user (for example chmod 1777 ${shared.hostPath}), or set SKOPEO_SHARED_DIR to a directory you own and recreate the container with it mounted at ${shared.containerPath}`
      : code === "ENOSPC"
        ? `free space on the file system of ${shared.hostPath}, or set SKOPEO_SHARED_DIR to a directory on a larger one`
        : undefined;
  return new EnvironmentFault({ strategy, reason: `cannot ${action} in the shared directory ${shared.hostPath}: ${detail}`, fix, cause });
};

/**
 * Creates a private workspace (`skopush-XXXXXX`, mode 0700) in the shared directory for one push and
 * removes it, with everything in it, when the scope closes: after success, failure or interruption.
 * Concurrent pushes through one container each get their own, so their files never collide.
 */
export const sharedWorkspace = (
  strategy: string,
  shared: SharedDirectory,
): Effect.Effect<SharedWorkspace, EnvironmentFault, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        await mkdir(shared.hostPath, { recursive: true });
        const hostPath = await mkdtemp(join(shared.hostPath, WORKSPACE_PREFIX));
        return { hostPath, containerPath: posix.join(shared.containerPath, hostPath.slice(shared.hostPath.length + 1)) };
      },
      catch: (cause) => sharedDirectoryFault(strategy, shared, "create a workspace", cause),
    }),
    (workspace) => Effect.promise(() => rm(workspace.hostPath, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)),
  );
