import type { StrategySettings } from "skopush";

/** The resident container's name when `--name` is not given (the seed tool's). */
export const DEFAULT_RESIDENT_NAME = "skopeo-service";

/** The host side of the shared directory when neither `--shared-dir` nor `SKOPEO_SHARED_DIR` is set. */
export const DEFAULT_SHARED_DIR = "/tmp/geoml-skopeo";

/** Where the shared directory is mounted in the container. */
export const CONTAINER_SHARED_DIR = "/tmp/skopeo";

/** The shared directory from a flag, else `SKOPEO_SHARED_DIR`, else the default. */
export const sharedDirectoryOf = (flag: string | undefined, env: Readonly<Record<string, string | undefined>>) => ({
  hostPath: flag ?? (env.SKOPEO_SHARED_DIR?.trim() || DEFAULT_SHARED_DIR),
  containerPath: CONTAINER_SHARED_DIR,
});

/** The container strategies' options for a resident container other than the default. */
export const residentContainerSettings = (containerName: string, sharedDir: string): StrategySettings => ({
  "docker-exec": { containerName, sharedDir: { hostPath: sharedDir, containerPath: CONTAINER_SHARED_DIR } },
  dockerode: { containerName, sharedDir: { hostPath: sharedDir, containerPath: CONTAINER_SHARED_DIR } },
});
