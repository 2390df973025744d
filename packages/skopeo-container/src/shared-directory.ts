import { isAbsolute, posix, resolve } from "node:path";
import { DEFAULT_CONTAINER_SHARED_DIR, DEFAULT_SHARED_DIR, SHARED_DIR_ENV } from "./resident-container.js";

/** A directory both the host and the resident container see: the same files under two paths. */
export interface SharedDirectory {
  /** The directory on this machine, absolute. */
  readonly hostPath: string;
  /** The same directory inside the container, an absolute POSIX path. */
  readonly containerPath: string;
}

/** How to choose the shared directory. */
export interface SharedDirectoryOptions {
  /** The host side; wins over `SKOPEO_SHARED_DIR`. @default env.SKOPEO_SHARED_DIR ?? "/tmp/geoml-skopeo" */
  readonly hostPath?: string | undefined;
  /** The container side. @default "/tmp/skopeo" */
  readonly containerPath?: string | undefined;
}

/**
 * The shared directory from explicit options, else `SKOPEO_SHARED_DIR` in `env`, else the defaults
 * (`/tmp/geoml-skopeo` on the host, `/tmp/skopeo` in the container). A relative host path is resolved
 * against the working directory, as `docker run -v` would refuse it.
 */
export const resolveSharedDirectory = (
  options: SharedDirectoryOptions = {},
  env: Readonly<Record<string, string | undefined>> = {},
): SharedDirectory => {
  const fromEnv = env[SHARED_DIR_ENV]?.trim();
  const host = options.hostPath ?? (fromEnv ? fromEnv : DEFAULT_SHARED_DIR);
  const container = options.containerPath ?? DEFAULT_CONTAINER_SHARED_DIR;
  if (!posix.isAbsolute(container)) {
    throw new TypeError(`[skopush] the container side of the shared directory must be an absolute path, got ${JSON.stringify(container)}`);
  }
  return { hostPath: isAbsolute(host) ? resolve(host) : resolve(process.cwd(), host), containerPath: posix.normalize(container) };
};
