import type { ProbeCacheTtl, SharedDirectoryOptions } from "@skopush/skopeo-container";

/** Options of {@link DockerExecPushStrategy}; every one has a default, so `new DockerExecPushStrategy()` works. */
export interface DockerExecOptions {
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
