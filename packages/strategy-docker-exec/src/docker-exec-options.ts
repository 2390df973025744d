import type { ProbeCacheTtl, StrategyOptions } from "@skopush/core";
import { DEFAULT_CONTAINER_NAME, DEFAULT_PROBE_CACHE_TTL, DEFAULT_SKOPEO_IMAGE, type SharedDirectoryOptions } from "@skopush/skopeo-container";
import { DEFAULT_DOCKER_CLI_ENV } from "./docker-cli-environment.js";

/** Options of {@link DockerExecPushStrategy}; every one has a default, so `new DockerExecPushStrategy()` works. */
export interface DockerExecOptions extends StrategyOptions {
  /** The resident container's name. @default "skopeo-service" */
  readonly containerName?: string | undefined;
  /** The shared directory; the host side defaults to `SKOPEO_SHARED_DIR` from `env`, then `/tmp/geoml-skopeo`. @default { containerPath: "/tmp/skopeo" } */
  readonly sharedDir?: SharedDirectoryOptions | undefined;
  /** The image named in the `docker run` line that fixes a missing container. @default "quay.io/skopeo/stable" */
  readonly image?: string | undefined;
  /** The docker executable. @default "docker" */
  readonly dockerPath?: string | undefined;
  /** The environment of the docker CLI (`DOCKER_HOST`, `DOCKER_CONTEXT`, `PATH`…) and `SKOPEO_SHARED_DIR`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * The variables of `env` the docker CLI inherits; everything else is withheld, so a secret in the
   * environment (a `SKOPUSH_PASSWORD`, a CI token) never reaches a docker process.
   * @default DEFAULT_DOCKER_CLI_ENV
   */
  readonly inheritedEnv?: ReadonlyArray<string> | undefined;
  /** Time limit of each short docker command (inspect, probe exec, stop). @default 10000 */
  readonly commandTimeoutMs?: number | undefined;
  /** How long skopeo gets to exit after SIGTERM on cancellation, before SIGKILL. @default 5000 */
  readonly stopGraceMs?: number | undefined;
  /** How long probe answers are reused. @default { availableMs: 5000, unavailableMs: 1000 } */
  readonly probeCacheTtl?: ProbeCacheTtl | undefined;
}

/** The DI token of {@link DockerExecOptions}; optional, defaults apply without it. */
export const DOCKER_EXEC_OPTIONS = Symbol.for("@skopush/strategy-docker-exec/DockerExecOptions");

/** {@link DockerExecOptions} with every default applied (`sharedDir` is resolved against `env` by the strategy). */
export type ResolvedDockerExecOptions = { readonly [K in Exclude<keyof DockerExecOptions, "sharedDir">]-?: NonNullable<DockerExecOptions[K]> } & {
  readonly sharedDir: SharedDirectoryOptions | undefined;
};

/** Applies the defaults: the one place they are written. */
export const resolveDockerExecOptions = (options: DockerExecOptions = {}): ResolvedDockerExecOptions => ({
  name: options.name ?? "docker-exec",
  containerName: options.containerName ?? DEFAULT_CONTAINER_NAME,
  sharedDir: options.sharedDir,
  image: options.image ?? DEFAULT_SKOPEO_IMAGE,
  dockerPath: options.dockerPath ?? "docker",
  env: options.env ?? process.env,
  inheritedEnv: options.inheritedEnv ?? DEFAULT_DOCKER_CLI_ENV,
  commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
  stopGraceMs: options.stopGraceMs ?? 5_000,
  probeCacheTtl: options.probeCacheTtl ?? DEFAULT_PROBE_CACHE_TTL,
});
