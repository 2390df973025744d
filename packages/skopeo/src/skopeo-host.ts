import type { ArchiveInvalid, EnvironmentFault } from "@skopush/core";
import type * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";

/** A private directory for one push, seen from both sides. */
export interface Workspace {
  /** The directory as this process sees it: mode 0700, owned by this user. */
  readonly hostPath: string;
  /** The same directory as skopeo sees it (equal to `hostPath` when skopeo runs on this host). */
  readonly skopeoPath: string;
  /**
   * The path this process writes the workspace's files through: on Linux `/proc/self/fd/<n>` of the
   * directory opened when it was created, so a workspace renamed and replaced (by another directory or a
   * link) is never written into; `hostPath` elsewhere. Never handed to skopeo.
   */
  readonly pinnedPath: string;
}

/** Where a stream line came from. */
export type SkopeoStream = "stdout" | "stderr";

/** Options of {@link SkopeoHost.run}. */
export interface SkopeoRunOptions {
  /** Called with every line skopeo prints, as it prints it. Must not throw. */
  readonly onLine?: ((line: string, stream: SkopeoStream) => void) | undefined;
  /**
   * Called with the total bytes skopeo has read so far, by hosts that can measure it (the native host reads
   * `/proc/<pid>/io`); other hosts never call it. Progress uses it between skopeo's coarse output lines.
   */
  readonly onBytesRead?: ((bytes: number) => void) | undefined;
  /** Added to skopeo's environment. Never put a secret here: pass files instead. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /**
   * The authfile this run of skopeo reads (the path skopeo sees), when there is one. The host removes it as
   * soon as skopeo has ended, even when this process is killed first: credentials stay on disk no longer
   * than the skopeo that reads them. {@link skopeoCopy} writes it again before every attempt.
   */
  readonly authFile?: string | undefined;
}

/** How a finished skopeo run ended. */
export interface SkopeoRunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Progress of staging an archive (copying it where skopeo can read it). */
export type StageProgress = (bytesDone: number, bytesTotal: number) => void;

/**
 * Where and how skopeo runs: on this host, or inside a container. The three skopeo strategies implement
 * this; {@link skopeoCopy} does the rest of a push with it.
 */
export interface SkopeoHost {
  /** The strategy's name, for errors and attempts. */
  readonly strategy: string;
  /**
   * A fresh private directory skopeo can read and write, removed with everything in it when the scope
   * closes (success, failure or interruption).
   */
  readonly workspace: Effect.Effect<Workspace, EnvironmentFault, Scope.Scope>;
  /**
   * Makes the file at `archivePath` (on this host) readable by skopeo and returns the path skopeo sees.
   * The returned path never contains `:` (skopeo's transports end the path there). Whatever it creates
   * lives in the workspace or is removed when the scope closes.
   */
  stageArchive(
    workspace: Workspace,
    archivePath: string,
    progress?: StageProgress,
  ): Effect.Effect<string, ArchiveInvalid | EnvironmentFault, Scope.Scope>;
  /**
   * Runs `skopeo <args>` (an argv array: no shell ever sees it). skopeo's stdin is closed. A non-zero exit
   * is a result, not a failure; failing to start or losing the process is an `EnvironmentFault`.
   * Interrupting the effect kills skopeo and waits for it to exit; so does the end of this process, by any
   * signal (SIGKILL included): skopeo never goes on pushing for a push nobody waits for.
   */
  run(args: ReadonlyArray<string>, options?: SkopeoRunOptions): Effect.Effect<SkopeoRunResult, EnvironmentFault>;
}
