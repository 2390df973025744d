import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { EnvironmentFault } from "@skopush/core";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type { Workspace } from "./skopeo-host.js";

/** Options of {@link makeLocalWorkspace}. */
export interface LocalWorkspaceOptions {
  /** The strategy the workspace serves, for errors. */
  readonly strategy: string;
  /** The directory the workspace is created in; it must exist. */
  readonly parent: string;
  /** Start of the workspace's name. @default "skopush-" */
  readonly prefix?: string | undefined;
  /** Maps the host path to the path skopeo sees (a container mount). @default the identity */
  readonly skopeoPathOf?: ((hostPath: string) => string) | undefined;
}

/** The subdirectory of a workspace that skopeo gets as `TMPDIR`, so its temp files die with the workspace. */
export const WORKSPACE_TMP = "tmp";

const codeOf = (cause: unknown): unknown => (cause as { code?: unknown } | null)?.code;

/**
 * Creates a private directory (mode 0700, random name) under `parent`, with a `tmp/` inside for skopeo's
 * temp files, and removes it with everything in it when the scope closes, however the push ended.
 */
export const makeLocalWorkspace = (options: LocalWorkspaceOptions): Effect.Effect<Workspace, EnvironmentFault, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const hostPath = await mkdtemp(join(options.parent, options.prefix ?? "skopush-"));
        await mkdir(join(hostPath, WORKSPACE_TMP), { mode: 0o700 });
        return { hostPath, skopeoPath: options.skopeoPathOf?.(hostPath) ?? hostPath };
      },
      catch: (cause) =>
        new EnvironmentFault({
          strategy: options.strategy,
          reason: `cannot create a private working directory in ${options.parent} (${codeOf(cause) ?? String(cause)})`,
          fix: codeOf(cause) === "ENOENT"
            ? `create ${options.parent}, or configure another temp directory`
            : `make ${options.parent} writable with free space, or configure another temp directory`,
          cause,
        }),
    }),
    (workspace) => removeDirectory(workspace.hostPath),
  );

/** Removes a directory tree, never failing: a finalizer must not turn a push's outcome into a defect. */
export const removeDirectory = (path: string): Effect.Effect<void> =>
  Effect.promise(() => rm(path, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined));
