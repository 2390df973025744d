import { posix } from "node:path";
import { settingPhrase } from "@skopush/core";
import type { ContainerFacts, ContainerMount } from "./container-facts.js";
import type { SharedDirectory } from "./shared-directory.js";

/** Whether the resident container mounts the shared directory, and if not, what is wrong. */
export type SharedMountCheck =
  | { readonly mounted: true; readonly mount: ContainerMount }
  | { readonly mounted: false; readonly reason: string; readonly fix: string };

/** Options of {@link checkSharedMount}. */
export interface SharedMountCheckOptions {
  /** The host directory's canonical path (`fs.realpath`), when it differs from `shared.hostPath`. */
  readonly hostRealPath?: string | undefined;
  /** How to recreate the container, for the fix, in the caller's terms ({@link recreateContainerFix}). */
  readonly recreate: string;
  /** Whether paths compare case-insensitively (macOS and Windows file systems). @default process.platform !== "linux" */
  readonly caseInsensitive?: boolean | undefined;
}

const trimSlash = (path: string): string => (path.length > 1 ? path.replace(/[\\/]+$/, "") : path);

/**
 * A host path as the daemon may report it, in one comparable form: Docker Desktop reports bind sources
 * under `/host_mnt` (macOS) or `/run/desktop/mnt/host/<drive>` (Windows, WSL 2), and Windows paths
 * with backslashes and either drive-letter case.
 */
export const normalizeHostPath = (path: string, caseInsensitive: boolean): string => {
  let p = path.replaceAll("\\", "/");
  const desktop = /^\/(?:run\/desktop\/mnt\/host|mnt\/host|mnt)\/([a-zA-Z])(\/.*)?$/.exec(p);
  if (desktop) p = `${desktop[1]}:${desktop[2] ?? "/"}`;
  if (p.startsWith("/host_mnt/")) p = p.slice("/host_mnt".length);
  const drive = /^([a-zA-Z]):(\/.*)?$/.exec(p);
  if (drive) p = `${drive[1]!.toLowerCase()}:${drive[2] ?? "/"}`;
  p = trimSlash(posix.normalize(p));
  return caseInsensitive ? p.toLowerCase() : p;
};

const describeMount = (m: ContainerMount): string => `${m.source || `(${m.type})`} at ${m.destination}${m.readWrite ? "" : " (read-only)"}`;

/**
 * Checks, from the container's inspect answer, that it bind-mounts the host side of the shared directory
 * at the container side, writable. Every failure says what the container mounts instead and how to fix it.
 */
export const checkSharedMount = (
  facts: ContainerFacts,
  shared: SharedDirectory,
  options: SharedMountCheckOptions,
): SharedMountCheck => {
  const caseInsensitive = options.caseInsensitive ?? process.platform !== "linux";
  const destination = trimSlash(posix.normalize(shared.containerPath));
  const mount = facts.mounts.find((m) => trimSlash(posix.normalize(m.destination)) === destination);
  const expected = `-v ${shared.hostPath}:${shared.containerPath}`;
  if (mount === undefined) {
    const others = facts.mounts.length === 0 ? "it has no mounts" : `its mounts: ${facts.mounts.map(describeMount).join(", ")}`;
    return {
      mounted: false,
      reason: `container ${facts.name} does not mount the shared directory at ${shared.containerPath} (${others})`,
      fix: `recreate it with ${expected}: ${options.recreate}`,
    };
  }
  const hostForms = new Set(
    [shared.hostPath, options.hostRealPath].filter((p): p is string => !!p).map((p) => normalizeHostPath(p, caseInsensitive)),
  );
  if (!hostForms.has(normalizeHostPath(mount.source, caseInsensitive))) {
    const what = mount.type === "bind" ? `the host directory ${mount.source}` : `a ${mount.type || "non-bind"} mount (${mount.source})`;
    return {
      mounted: false,
      reason: `container ${facts.name} mounts ${what} at ${shared.containerPath}, not the shared directory ${shared.hostPath}`,
      fix:
        mount.type === "bind"
          ? `${settingPhrase("sharedDir", { sharedDir: mount.source })}, or recreate the container with ${expected}: ${options.recreate}`
          : `recreate the container with ${expected}: ${options.recreate}`,
    };
  }
  if (!mount.readWrite) {
    return {
      mounted: false,
      reason: `container ${facts.name} mounts the shared directory ${shared.hostPath} read-only; skopeo writes the digest of each push there`,
      fix: `recreate it with ${expected} (without :ro): ${options.recreate}`,
    };
  }
  return { mounted: true, mount };
};
