import { tmpdir } from "node:os";
import type { ProbeCacheTtl, StrategyOptions } from "@skopush/core";
import { BASE_CHILD_ENV, pickEnvironment } from "@skopush/skopeo";

/** Options of the native strategy; every one has a default, so `new NativeSkopeoStrategy()` works. */
export interface NativeSkopeoOptions extends StrategyOptions {
  /** The skopeo binary: a name looked up on `PATH`, or a path. @default "skopeo" */
  readonly skopeoPath?: string | undefined;
  /** The environment skopeo's variables are picked from (`inheritedEnv`), as every strategy's `env`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Variables added to skopeo's environment (e.g. `HTTPS_PROXY`). Never a secret. @default {} */
  readonly extraEnv?: Readonly<Record<string, string>> | undefined;
  /**
   * The variables of `env` that skopeo inherits; everything else is withheld, so a secret in this
   * process's environment (a `SKOPUSH_PASSWORD`, a CI token) never reaches skopeo.
   * @default DEFAULT_INHERITED_ENV
   */
  readonly inheritedEnv?: ReadonlyArray<string> | undefined;
  /** Where each push's private working directory is created. @default os.tmpdir() */
  readonly tempDirectory?: string | undefined;
  /** How long probe answers are reused. @default { availableMs: 30000, unavailableMs: 30000 } */
  readonly probeCacheTtl?: ProbeCacheTtl | undefined;
  /** How long `skopeo --version` may take in a probe, in milliseconds. @default 5000 */
  readonly probeTimeoutMs?: number | undefined;
  /** How long skopeo gets to exit after SIGTERM before SIGKILL, in milliseconds. @default 2000 */
  readonly stopGraceMs?: number | undefined;
  /** How often the bytes skopeo has read are sampled for progress (Linux), in milliseconds. @default 250 */
  readonly progressIntervalMs?: number | undefined;
  /** @deprecated the former name of `probeCacheTtl` (one time for both answers); still honoured. */
  readonly probeCacheTtlMs?: number | undefined;
  /** @deprecated the former name of `stopGraceMs`; still honoured. */
  readonly killGraceMs?: number | undefined;
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

/** How long the native probe's answers are kept: `skopeo --version` costs a process start. */
export const NATIVE_PROBE_CACHE_TTL: ProbeCacheTtl = { availableMs: 30_000, unavailableMs: 30_000 };

/** {@link NativeSkopeoOptions} with every default applied (the deprecated names folded in). */
export type ResolvedNativeSkopeoOptions = {
  readonly [K in Exclude<keyof NativeSkopeoOptions, "probeCacheTtlMs" | "killGraceMs">]-?: NonNullable<NativeSkopeoOptions[K]>;
};

/** Applies the defaults: the one place they are written. */
export const resolveNativeSkopeoOptions = (options: NativeSkopeoOptions = {}): ResolvedNativeSkopeoOptions => ({
  name: options.name ?? "native",
  skopeoPath: options.skopeoPath ?? "skopeo",
  env: options.env ?? process.env,
  extraEnv: options.extraEnv ?? {},
  inheritedEnv: options.inheritedEnv ?? DEFAULT_INHERITED_ENV,
  tempDirectory: options.tempDirectory ?? tmpdir(),
  probeCacheTtl:
    options.probeCacheTtl ??
    (options.probeCacheTtlMs === undefined ? NATIVE_PROBE_CACHE_TTL : { availableMs: options.probeCacheTtlMs, unavailableMs: options.probeCacheTtlMs }),
  probeTimeoutMs: options.probeTimeoutMs ?? 5_000,
  stopGraceMs: options.stopGraceMs ?? options.killGraceMs ?? 2_000,
  progressIntervalMs: options.progressIntervalMs ?? 250,
});

/** The environment skopeo runs with: the inherited variables of `env`, then `extraEnv`, then `extra`. */
export const skopeoEnvironment = (
  options: Pick<ResolvedNativeSkopeoOptions, "env" | "extraEnv" | "inheritedEnv">,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> => {
  return { ...pickEnvironment(options.env, options.inheritedEnv), ...options.extraEnv, ...extra };
};
