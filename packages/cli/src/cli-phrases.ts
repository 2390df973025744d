import type { SettingContext, SettingPhrases } from "@skopush/core";
import { DEFAULT_RESIDENT_NAME, DEFAULT_SHARED_DIR } from "./commands/resident-settings.js";

/** The image `skopush service create` uses unless told otherwise. */
const DEFAULT_IMAGE = "quay.io/skopeo/stable";

/** `skopush service create` with the flags that reproduce the container the user configured. */
const serviceFlags = (context: SettingContext): string =>
  [
    context.container !== undefined && context.container !== DEFAULT_RESIDENT_NAME ? ` --name ${context.container}` : "",
    context.sharedDir !== undefined && context.sharedDir !== DEFAULT_SHARED_DIR ? ` --shared-dir ${context.sharedDir}` : "",
    context.image !== undefined && context.image !== DEFAULT_IMAGE ? ` --image ${context.image}` : "",
  ].join("");

/** How the CLI names the settings messages refer to: its flags and commands (the library names option fields). */
export const CLI_PHRASES: SettingPhrases = {
  caFile: () => "--ca-cert <file>",
  insecure: () => "--insecure",
  dockerPath: () => "put it on PATH (or push with --strategy dockerode, which needs no docker CLI)",
  skopeoPath: () => "put it on PATH",
  sharedDir: (c) => `pass --shared-dir ${c.sharedDir ?? "<dir>"} (or set SKOPEO_SHARED_DIR=${c.sharedDir ?? "<dir>"})`,
  // skopush service create is the CLI's way to create it; there is nothing to add.
  autoCreate: () => "",
  ensureProject: () => "--ensure-project",
  createContainer: (c) => `skopush service create${serviceFlags(c)}`,
  containerImage: () => "give skopush service create an image that is present with --image <image>",
  archiveImage: () => "--image",
  recreateContainer: (c) => `skopush service rm${c.container && c.container !== DEFAULT_RESIDENT_NAME ? ` --name ${c.container}` : ""} && skopush service create${serviceFlags(c)}`,
};
