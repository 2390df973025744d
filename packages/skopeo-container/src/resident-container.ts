/** The resident container's name when none is configured (the seed tool's). */
export const DEFAULT_CONTAINER_NAME = "skopeo-service";

/** The image the resident container is created from when none is configured. */
export const DEFAULT_SKOPEO_IMAGE = "quay.io/skopeo/stable";

/** The host side of the shared directory when `SKOPEO_SHARED_DIR` is not set. */
export const DEFAULT_SHARED_DIR = "/tmp/geoml-skopeo";

/** Where the shared directory is mounted inside the resident container. */
export const DEFAULT_CONTAINER_SHARED_DIR = "/tmp/skopeo";

/** The environment variable naming the host side of the shared directory. */
export const SHARED_DIR_ENV = "SKOPEO_SHARED_DIR";

/** The command that keeps the resident container alive between pushes. */
export const RESIDENT_COMMAND: ReadonlyArray<string> = ["tail", "-f", "/dev/null"];

/** What the `docker run` line that creates the resident container needs. */
export interface ResidentContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly hostSharedDir: string;
  readonly containerSharedDir: string;
  /** `host` to reach registries on the host's loopback; omitted means Docker's default bridge. */
  readonly networkMode?: string | undefined;
}

import { settingPhrase } from "@skopush/core";

const quoted = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`);

/** The `docker run` line that creates the resident container, for messages that tell how to fix things. */
export const dockerRunCommand = (spec: ResidentContainerSpec): string =>
  [
    "docker", "run", "-d", "--name", spec.name, "--restart", "unless-stopped",
    ...(spec.networkMode ? ["--network", spec.networkMode] : []),
    "-v", `${spec.hostSharedDir}:${spec.containerSharedDir}`,
    spec.image, ...RESIDENT_COMMAND,
  ]
    .map(quoted)
    .join(" ");

const phraseContext = (spec: ResidentContainerSpec) => ({ container: spec.name, sharedDir: spec.hostSharedDir, image: spec.image, createCommand: dockerRunCommand(spec) });

/** How to create the resident container, in the caller's terms: the `docker run` line, or the CLI's `skopush service create …`. */
export const createContainerFix = (spec: ResidentContainerSpec): string => settingPhrase("createContainer", phraseContext(spec));

/** How to replace the resident container (a wrong mount), in the caller's terms. */
export const recreateContainerFix = (spec: ResidentContainerSpec): string => settingPhrase("recreateContainer", phraseContext(spec));
