/** What the fall-through measurements are given (as JSON, to child processes). */
export interface FallthroughContext {
  /** A running resident container (not used by the unavailable strategies, which name other containers). */
  readonly sharedDir: { readonly hostPath: string; readonly containerPath: string };
  /** A container name that does not exist. */
  readonly missingContainer: string;
  /** A container that exists, stopped. */
  readonly stoppedContainer: string;
  /** A directory with no programs in it, for a `PATH` without docker or skopeo. */
  readonly emptyPathDir: string;
  /** `unix://…` of a socket file nobody listens on. */
  readonly deadDockerHost: string;
  /** Where the working strategy (the registry strategy) pushes: already pushed once, so every push is warm. */
  readonly destination: string;
  /** The archive pushed. */
  readonly archive: string;
  /** The working strategy's blob-info cache. */
  readonly blobInfoCacheDir: string;
}
