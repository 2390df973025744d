import { readFile as fsReadFile } from "node:fs/promises";
import { homedir } from "node:os";
import { Effect } from "effect";
import { CredentialsError } from "@skopush/core";

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Where the providers of this package look. Every field has a default taken from the running process,
 * so unit tests can point the providers at a temporary home directory and a made-up environment.
 */
export interface CredentialsSourceOptions {
  /** Environment variables read by the providers and passed to credential helpers. @default process.env */
  readonly env?: Environment | undefined;
  /** The user's home directory. @default os.homedir() */
  readonly homeDir?: string | undefined;
  /** Reads a UTF-8 text file; resolves `undefined` when it does not exist. @default node:fs readFile */
  readonly readFile?: ((path: string) => Promise<string | undefined>) | undefined;
  /** The user ID in `/run/containers/<uid>/auth.json`. @default process.getuid() */
  readonly uid?: number | undefined;
  /** How long a `docker-credential-<helper> get` may run. @default 10000 */
  readonly helperTimeoutMs?: number | undefined;
}

/** {@link CredentialsSourceOptions} with every default filled in. */
export interface CredentialsSources {
  readonly env: Environment;
  readonly homeDir: string;
  readonly readFile: (path: string) => Promise<string | undefined>;
  readonly uid: number;
  readonly helperTimeoutMs: number;
}

/** Default of {@link CredentialsSourceOptions.helperTimeoutMs}. */
export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;

const MISSING_FILE_CODES = new Set(["ENOENT", "ENOTDIR"]);

/** Reads a file with node:fs; a missing file (or a missing parent directory) resolves `undefined`. */
export const readFileIfExists = async (path: string): Promise<string | undefined> => {
  try {
    return await fsReadFile(path, "utf8");
  } catch (error) {
    if (MISSING_FILE_CODES.has((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw error;
  }
};

/** Fills in the defaults of {@link CredentialsSourceOptions}. */
export const resolveSources = (options: CredentialsSourceOptions = {}): CredentialsSources => ({
  env: options.env ?? process.env,
  homeDir: options.homeDir ?? homedir(),
  readFile: options.readFile ?? readFileIfExists,
  uid: options.uid ?? process.getuid?.() ?? 0,
  helperTimeoutMs: options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS,
});

/** Reads `path` through the injected reader; `undefined` when missing, `CredentialsError` when unreadable. */
export const readTextFile = (sources: CredentialsSources, path: string): Effect.Effect<string | undefined, CredentialsError> =>
  Effect.tryPromise({
    try: () => sources.readFile(path),
    catch: (cause) => {
      const code = (cause as NodeJS.ErrnoException | undefined)?.code;
      return new CredentialsError({
        source: path,
        reason: `cannot be read${code ? ` (${code})` : ""}`,
        fix: code === "EACCES" ? "make the file readable by this user, or point skopush at another file" : undefined,
        cause,
      });
    },
  });

/** Reads a non-empty environment variable; an empty value counts as unset. */
export const envValue = (env: Environment, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
};
