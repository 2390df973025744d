import type { ProbeCacheTtl, StrategyOptions } from "@skopush/core";
import { DEFAULT_PROBE_CACHE_TTL } from "@skopush/skopeo-container";
import type { SkopeoContainerOptions } from "./skopeo-container-options.js";

/** How the archive reaches the container: `auto` uses the shared directory when the container mounts it, else uploads. */
export type TransferMode = "auto" | "shared-directory" | "upload";

/** Options of {@link DockerodePushStrategy}; every one has a default. */
export interface DockerodeOptions extends SkopeoContainerOptions, StrategyOptions {
  /** Start the container when it is stopped, instead of falling through. @default false */
  readonly autoStart?: boolean | undefined;
  /** Create (and start) the container when it is missing and its image is present locally; never pulls. @default false */
  readonly autoCreate?: boolean | undefined;
  /** How the archive reaches the container. @default "auto" */
  readonly transfer?: TransferMode | undefined;
  /** Where, inside the container, uploaded pushes get their private directories. @default "/tmp" */
  readonly uploadDir?: string | undefined;
  /**
   * How long the daemon's `/_ping` may take before the strategy counts as unavailable. It bounds only a daemon
   * that accepts the connection and then hangs: a socket nobody listens on fails at once (ENOENT, ECONNREFUSED).
   * @default 3000 for a socket or named pipe, 5000 over the network (see {@link defaultPingTimeoutMs})
   */
  readonly pingTimeoutMs?: number | undefined;
  /** How long skopeo gets to exit after SIGTERM on cancellation, before SIGKILL. @default 5000 */
  readonly stopGraceMs?: number | undefined;
  /** How long probe answers are reused. @default { availableMs: 5000, unavailableMs: 1000 } */
  readonly probeCacheTtl?: ProbeCacheTtl | undefined;
}

/** The DI token of {@link DockerodeOptions}; optional, defaults apply without it. */
export const DOCKERODE_OPTIONS = Symbol.for("@skopush/strategy-dockerode/DockerodeOptions");

/** The strategy's own options with their defaults; the container's are the manager's, and `pingTimeoutMs` depends on the daemon's address. */
export type ResolvedDockerodeOptions = DockerodeOptions & {
  readonly [K in "name" | "autoStart" | "autoCreate" | "transfer" | "uploadDir" | "stopGraceMs" | "probeCacheTtl"]-?: NonNullable<DockerodeOptions[K]>;
};

/**
 * The default limit of the daemon ping: 3 s on a local socket or named pipe, 5 s over the network. A
 * local daemon usually answers in milliseconds, but on a loaded machine (a busy dockerd, a starved event
 * loop) it took over 200 ms, the old limit, and a working daemon was reported unavailable. A dead daemon
 * is still found at once by the refused connection; only a hung one waits the full limit.
 */
export const defaultPingTimeoutMs = (endpoint: string): number => (/^(?:unix|npipe):/.test(endpoint) ? 3_000 : 5_000);

/** Applies the strategy's defaults: the one place they are written (the resident container's are {@link SkopeoContainerManager}'s). */
export const resolveDockerodeOptions = (options: DockerodeOptions = {}): ResolvedDockerodeOptions => ({
  ...options,
  name: options.name ?? "dockerode",
  autoStart: options.autoStart ?? false,
  autoCreate: options.autoCreate ?? false,
  transfer: options.transfer ?? "auto",
  uploadDir: options.uploadDir ?? "/tmp",
  stopGraceMs: options.stopGraceMs ?? 5_000,
  probeCacheTtl: options.probeCacheTtl ?? DEFAULT_PROBE_CACHE_TTL,
});
