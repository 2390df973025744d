import { homedir } from "node:os";
import { CREDENTIALS_FILE_MAX_BYTES, readConfigFile } from "@skopush/config-files";
import * as Effect from "effect/Effect";
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
  /** Reads a UTF-8 text file; resolves `undefined` when it does not exist. @default {@link readFileIfExists} */
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

/** A credentials file skopush will not read: not a regular file, too large, or unreadable. */
export class CredentialsFileRefused extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code: string,
  ) {
    super(`${path} ${reason}`);
    this.name = "CredentialsFileRefused";
  }
}

/**
 * Reads a credentials file: a missing file (or a missing parent directory) resolves `undefined`; one that
 * is not a regular file (a named pipe would block forever), is larger than 1 MiB, or cannot be read
 * rejects with {@link CredentialsFileRefused}.
 */
export const readFileIfExists = async (path: string): Promise<string | undefined> => {
  const read = await readConfigFile(path, { maxBytes: CREDENTIALS_FILE_MAX_BYTES });
  if (read.state === "missing") return undefined;
  if (read.state === "refused") throw new CredentialsFileRefused(path, read.reason, read.code);
  return read.bytes.toString("utf8");
};

const fixFor = (code: string | undefined): string | undefined =>
  code === "EACCES"
    ? "make the file readable by this user, or point skopush at another file"
    : code === "NOT_REGULAR" || code === "TOO_LARGE"
      ? "point skopush at the credentials file itself (docker login and podman login write one), or remove the variable or file that names this"
      : undefined;

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
      if (cause instanceof CredentialsFileRefused) return new CredentialsError({ source: path, reason: cause.reason, fix: fixFor(cause.code), cause });
      const code = (cause as NodeJS.ErrnoException | undefined)?.code;
      return new CredentialsError({ source: path, reason: `cannot be read${code ? ` (${code})` : ""}`, fix: fixFor(code), cause });
    },
  });

/** Reads a non-empty environment variable; an empty value counts as unset. */
export const envValue = (env: Environment, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
};
