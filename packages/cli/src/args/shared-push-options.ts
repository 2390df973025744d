import { LAYER_COMPRESSION_CHOICES, type LayerCompressionChoice, type ManifestFormat } from "@skopush/core";
import { isStrategyName, STRATEGY_NAMES, type StrategyName } from "skopush";
import { UsageError } from "../usage-error.js";
import { SECRET_FLAG } from "./flag-answers.js";
import { parseDuration } from "./parse-duration.js";
import { stringFlag, type FlagSpecs, type ParsedOptions } from "./parse-options.js";

/** What `skopush push` and `skopush push-many` both take: credentials, strategies, TLS, format and limits. */
export interface SharedPushOptions {
  readonly username?: string | undefined;
  /** Read the password from standard input (the only way to pass one on the command line). */
  readonly passwordStdin: boolean;
  /** The strategies to try, in order; the default chain when absent. */
  readonly strategies?: ReadonlyArray<StrategyName> | undefined;
  /** The resident container of the docker-exec and dockerode strategies; theirs by default (skopeo-service). */
  readonly container?: string | undefined;
  /** The host side of the shared directory; `SKOPEO_SHARED_DIR`, else /tmp/geoml-skopeo, by default. */
  readonly sharedDir?: string | undefined;
  readonly caCert?: string | undefined;
  readonly certDir?: string | undefined;
  readonly insecure: boolean;
  readonly manifestFormat?: ManifestFormat | undefined;
  /** `--compression`: what layers stored uncompressed are sent as; the library's default (gzip) when absent. */
  readonly compression?: LayerCompressionChoice | undefined;
  /** `--timeout`: the limit of the push (push-many: of each image's push), every strategy tried included, in ms. */
  readonly timeoutMs?: number | undefined;
  /** `--stall-timeout`: how long an upload may move no byte, in ms. */
  readonly stallTimeoutMs?: number | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
}

/** The flags of {@link SharedPushOptions} (and `--help`), as both commands accept them. */
export const SHARED_PUSH_FLAGS: FlagSpecs = {
  username: { type: "string", short: "u", description: "the account; the password comes from --password-stdin" },
  "password-stdin": { type: "boolean", description: "read the password from standard input" },
  strategy: { type: "string", multiple: true, description: "try only these strategies, in this order", values: STRATEGY_NAMES },
  container: { type: "string", description: "the resident skopeo container (default skopeo-service)" },
  "shared-dir": { type: "string", description: "its shared directory on this machine", values: "directory" },
  "ca-cert": { type: "string", description: "trust this PEM CA certificate", values: "file" },
  "cert-dir": { type: "string", description: "a containers-certs.d directory", values: "directory" },
  insecure: { type: "boolean", description: "do not verify TLS (and allow plain http)" },
  format: { type: "string", short: "f", description: "the manifest format written", values: ["oci", "v2s2"] },
  compression: { type: "string", description: "what uncompressed layers are sent as", values: ["gzip", "zstd", "none"] },
  timeout: { type: "string", description: "limit of the whole push (90s, 10m, 1h)" },
  "stall-timeout": { type: "string", description: "how long an upload may move no byte" },
  json: { type: "boolean", description: "print the result as one JSON line" },
  quiet: { type: "boolean", short: "q", description: "no progress; print only image@digest" },
  help: { type: "boolean", short: "h", description: "show the usage" },
};

/** The flag's name without an inline `=value` (the value may be a secret). */
const flagOf = (word: string): string => (/^-p[^=]/.test(word) ? "-p" : (word.split("=", 1)[0] ?? word));

/** Why `--password` (and `--dest-creds`, a token flag) is refused; the value is never repeated. */
export const PASSWORD_FLAG_REASON =
  "a password or token on the command line is not accepted: it would be visible to every user of this machine " +
  "(ps, /proc/<pid>/cmdline) and kept in shell history. Pipe it in instead: " +
  "printf '%s' \"$PASSWORD\" | skopush push --username <user> --password-stdin …, " +
  "or set SKOPUSH_USERNAME and SKOPUSH_PASSWORD, or log in with skopeo login / docker login";

/**
 * Refuses any password flag before parsing, so no parser message can echo its value; after `--` too, where
 * it would be echoed as an unexpected argument (no archive or destination is spelled like one).
 */
export const refusePasswordFlag = (argv: ReadonlyArray<string>, command: string): void => {
  for (const word of argv) {
    if (SECRET_FLAG.test(word)) throw new UsageError({ reason: `${flagOf(word)}: ${PASSWORD_FLAG_REASON}`, command });
  }
};

/**
 * Checks and reads the {@link SHARED_PUSH_FLAGS} of parsed arguments; `usage` makes the command's
 * {@link UsageError}. Checked in this order: credentials, TLS, format, compression, strategies, durations.
 */
export const parseSharedPushOptions = (parsed: ParsedOptions, usage: (reason: string) => UsageError): SharedPushOptions => {
  const flag = (name: string) => stringFlag(parsed, name);
  const username = flag("username");
  const passwordStdin = parsed.booleans.has("password-stdin");
  if (passwordStdin && username === undefined) throw usage("--password-stdin needs --username");
  if (username !== undefined && !passwordStdin) {
    throw usage("--username needs --password-stdin (the password is read from standard input, never from a flag)");
  }

  const insecure = parsed.booleans.has("insecure");
  const caCert = flag("ca-cert");
  const certDir = flag("cert-dir");
  if (insecure && (caCert !== undefined || certDir !== undefined)) {
    throw usage("--insecure skips certificate verification; it cannot be combined with --ca-cert or --cert-dir");
  }

  const format = flag("format");
  if (format !== undefined && format !== "oci" && format !== "v2s2") throw usage(`--format must be oci or v2s2, not ${JSON.stringify(format)}`);

  const compression = flag("compression");
  if (compression !== undefined && !LAYER_COMPRESSION_CHOICES.some((choice) => choice === compression)) {
    throw usage(`--compression must be ${LAYER_COMPRESSION_CHOICES.join(", ")}, not ${JSON.stringify(compression)}`);
  }

  const duration = (name: string): number | undefined => {
    const value = flag(name);
    if (value === undefined) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) throw usage(`--${name} takes a duration such as 90s, 10m or 1h (a bare number is seconds), not ${JSON.stringify(value)}`);
    return ms;
  };

  return {
    username,
    passwordStdin,
    strategies: parseStrategies(parsed.strings.get("strategy")),
    container: flag("container"),
    sharedDir: flag("shared-dir"),
    caCert,
    certDir,
    insecure,
    manifestFormat: format,
    compression: compression as LayerCompressionChoice | undefined,
    timeoutMs: duration("timeout"),
    stallTimeoutMs: duration("stall-timeout"),
    json: parsed.booleans.has("json"),
    quiet: parsed.booleans.has("quiet"),
  };
};

/** `--strategy a,b --strategy c` → `[a, b, c]`, each a known name, none twice. */
export const parseStrategies = (values: ReadonlyArray<string> | undefined): ReadonlyArray<StrategyName> | undefined => {
  if (values === undefined) return undefined;
  const names = values.flatMap((value) => value.split(",")).map((name) => name.trim());
  const chosen: StrategyName[] = [];
  for (const name of names) {
    if (!isStrategyName(name)) {
      throw new UsageError({
        reason: `unknown strategy ${JSON.stringify(name)}; the strategies are ${STRATEGY_NAMES.join(", ")}`,
        command: "push",
      });
    }
    if (chosen.includes(name)) throw new UsageError({ reason: `strategy ${name} is listed twice`, command: "push" });
    chosen.push(name);
  }
  return chosen;
};
