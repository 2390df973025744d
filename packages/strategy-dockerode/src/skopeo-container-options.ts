import type { SharedDirectoryOptions } from "@skopush/skopeo-container";
import type { DockerClient } from "./docker-client.js";

/** Options of the resident container, shared by {@link SkopeoContainerManager} and the dockerode strategy. */
export interface SkopeoContainerOptions {
  /** The resident container's name. @default "skopeo-service" */
  readonly containerName?: string | undefined;
  /** The image `ensure()` creates the container from; it is never pulled. @default "quay.io/skopeo/stable" */
  readonly image?: string | undefined;
  /** The shared directory; the host side defaults to `SKOPEO_SHARED_DIR` from `env`, then `/tmp/geoml-skopeo`. @default { containerPath: "/tmp/skopeo" } */
  readonly sharedDir?: SharedDirectoryOptions | undefined;
  /**
   * The network of a container `ensure()` creates. `host` lets skopeo reach registries on this machine's
   * loopback (on Linux; Docker Desktop's host network is its VM's). @default "host"
   */
  readonly networkMode?: string | undefined;
  /** Seconds `stop`/`restart` wait before killing the container (its `tail` ignores SIGTERM as PID 1). @default 2 */
  readonly stopTimeoutSeconds?: number | undefined;
  /** The environment: `DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`, `SKOPEO_SHARED_DIR`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The Engine API client. @default a dockerode client for the connection `env` describes, as the docker CLI would use */
  readonly docker?: DockerClient | undefined;
}
