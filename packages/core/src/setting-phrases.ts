import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The settings a message may tell its reader to change. Library callers change option fields, CLI users
 * flags: an error names a setting by id and the phrase comes from the caller's table, so the message is
 * written once and reads right for both (`--ca-cert <file>` on the command line, `tls.caFile` in code).
 */
export type SettingId =
  | "caFile"
  | "insecure"
  | "dockerPath"
  | "skopeoPath"
  | "sharedDir"
  | "autoCreate"
  | "ensureProject"
  | "createContainer"
  | "recreateContainer"
  | "containerImage"
  | "archiveImage";

/** What a phrase may need to be exact: the container and directory the user configured. */
export interface SettingContext {
  /** The resident container's name. */
  readonly container?: string | undefined;
  /** The host side of the shared directory (for `sharedDir`: the directory to use). */
  readonly sharedDir?: string | undefined;
  /** The resident container's image. */
  readonly image?: string | undefined;
  /** The equivalent `docker run` line. */
  readonly createCommand?: string | undefined;
}

/** One phrase per setting, written to fit after "Fix: " or "…, or ". */
export type SettingPhrases = { readonly [K in SettingId]: (context: SettingContext) => string };

/** How the library names its settings: option fields. */
export const OPTION_PHRASES: SettingPhrases = {
  caFile: () => "the tls.caFile option (a PEM file)",
  insecure: () => "tls: { verify: false }",
  dockerPath: () => "set the docker-exec strategy's dockerPath option",
  skopeoPath: () => "set the native strategy's skopeoPath option",
  sharedDir: (c) => `set SKOPEO_SHARED_DIR=${c.sharedDir ?? "<dir>"} or the container strategies' sharedDir option`,
  autoCreate: () => "or set the dockerode strategy's autoCreate option",
  ensureProject: () => "the ensureProject: true option (HarborCredentialsProvider, or createDefaultContainer's harbor option)",
  createContainer: (c) => c.createCommand ?? "docker run (see docs/strategies/docker-exec.md)",
  recreateContainer: (c) => `docker rm -f ${c.container ?? "<container>"} && ${c.createCommand ?? "docker run (see docs/strategies/docker-exec.md)"}`,
  containerImage: () => "set the container strategies' image option to one that is present",
  archiveImage: () => "the image option",
};

const current = new AsyncLocalStorage<SettingPhrases>();

/** The phrase for `id` in the caller's terms: option fields, unless {@link withSettingPhrases} says otherwise. */
export const settingPhrase = (id: SettingId, context: SettingContext = {}): string => (current.getStore() ?? OPTION_PHRASES)[id](context);

/** Runs `run` (and everything it starts) with messages naming settings by `phrases`: the CLI passes its flags. */
export const withSettingPhrases = <A>(phrases: SettingPhrases, run: () => A): A => current.run(phrases, run);
