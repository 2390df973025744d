import { tmpdir } from "node:os";
import { BASE_CHILD_ENV, pickEnvironment } from "@skopush/skopeo";

/** Options of the native strategy; every one has a default, so `new NativeSkopeoStrategy()` works. */
export interface NativeSkopeoOptions {
  /** The skopeo binary: a name looked up on `PATH`, or a path. @default "skopeo" */
  readonly skopeoPath?: string | undefined;
  /** Variables added to skopeo's environment (e.g. `HTTPS_PROXY`). Never a secret. @default {} */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /**
   * The variables of this process that skopeo inherits; everything else is withheld, so a secret in this
   * process's environment (a `SKOPUSH_PASSWORD`, a CI token) never reaches skopeo.
   * @default DEFAULT_INHERITED_ENV
   */
  readonly inheritedEnv?: ReadonlyArray<string> | undefined;
  /** Where each push's private working directory is created. @default os.tmpdir() */
  readonly tempDirectory?: string | undefined;
  /** How long a probe's answer (available or not) is reused, in milliseconds. @default 30000 */
  readonly probeCacheTtlMs?: number | undefined;
  /** How long `skopeo --version` may take in a probe, in milliseconds. @default 5000 */
  readonly probeTimeoutMs?: number | undefined;
  /** How long skopeo gets to exit after SIGTERM before SIGKILL, in milliseconds. @default 2000 */
  readonly killGraceMs?: number | undefined;
  /** How often the bytes skopeo has read are sampled for progress (Linux), in milliseconds. @default 250 */
  readonly progressIntervalMs?: number | undefined;
}

/** The DI token of {@link NativeSkopeoOptions}. */
export const NATIVE_SKOPEO_OPTIONS = Symbol.for("@skopush/strategy-native/NativeSkopeoOptions");

/**
 * What skopeo needs from this process's environment beyond {@link BASE_CHILD_ENV}: the XDG data and cache
 * directories, extra CA bundles, and containers configuration overrides.
 */
export const DEFAULT_INHERITED_ENV: ReadonlyArray<string> = [
  ...BASE_CHILD_ENV,
  "XDG_DATA_HOME",
  "XDG_CACHE_HOME",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "CONTAINERS_CONF",
  "CONTAINERS_REGISTRIES_CONF",
  "REGISTRIES_CONFIG_PATH",
];

/** {@link NativeSkopeoOptions} with every default applied. */
export type ResolvedNativeSkopeoOptions = { readonly [K in keyof NativeSkopeoOptions]-?: NonNullable<NativeSkopeoOptions[K]> };

/** Applies the defaults. */
export const resolveNativeSkopeoOptions = (options: NativeSkopeoOptions = {}): ResolvedNativeSkopeoOptions => ({
  skopeoPath: options.skopeoPath ?? "skopeo",
  env: options.env ?? {},
  inheritedEnv: options.inheritedEnv ?? DEFAULT_INHERITED_ENV,
  tempDirectory: options.tempDirectory ?? tmpdir(),
  probeCacheTtlMs: options.probeCacheTtlMs ?? 30_000,
  probeTimeoutMs: options.probeTimeoutMs ?? 5_000,
  killGraceMs: options.killGraceMs ?? 2_000,
  progressIntervalMs: options.progressIntervalMs ?? 250,
});

/** The environment skopeo runs with: the inherited variables, then `env`, then `extra`. */
export const skopeoEnvironment = (
  options: Pick<ResolvedNativeSkopeoOptions, "env" | "inheritedEnv">,
  source: NodeJS.ProcessEnv,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> => {
  return { ...pickEnvironment(source, options.inheritedEnv), ...options.env, ...extra };
};
