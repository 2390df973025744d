import { LAYER_COMPRESSION_CHOICES, type LayerCompressionChoice, type ManifestFormat } from "@skopush/core";
import { isStrategyName, STRATEGY_NAMES, type StrategyName } from "skopush";
import { UsageError } from "../usage-error.js";
import { parseDuration } from "./parse-duration.js";
import { PUSH_FLAG_ANSWERS, SECRET_FLAG } from "./flag-answers.js";
import { parseOptions, stringFlag, type FlagSpecs } from "./parse-options.js";

/** The flag's name without an inline `=value` (the value may be a secret). */
const flagOf = (word: string): string => (/^-p[^=]/.test(word) ? "-p" : (word.split("=", 1)[0] ?? word));

/** Where to push: a reference, or the seed tool's Harbor parts. */
export type DestinationInput =
  | {
      readonly kind: "reference";
      readonly reference: string;
      /** Where Harbor's API is, when the registry is served from another address (`--harbor-url` with a reference). */
      readonly harborUrl?: string | undefined;
    }
  | {
      readonly kind: "harbor";
      readonly harborUrl: string;
      readonly project: string;
      readonly repository: string;
      readonly tag?: string | undefined;
    };

/** What `skopush push` was asked to do, before anything is checked against the machine. */
export interface PushArguments {
  readonly archive: string;
  readonly destination: DestinationInput;
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
  readonly ensureProject: boolean;
  readonly ephemeralRobot: boolean;
  readonly manifestFormat?: ManifestFormat | undefined;
  /** `--platform`: one platform of a multi-platform archive, `os/architecture[/variant]`. */
  readonly platform?: string | undefined;
  /** `--image`: which image of an archive holding several (a RepoTag or an OCI ref name). */
  readonly image?: string | undefined;
  /** `--timeout`: the limit of the whole push, every strategy tried included, in ms. */
  readonly timeoutMs?: number | undefined;
  /** `--stall-timeout`: how long an upload may move no byte, in ms. */
  readonly stallTimeoutMs?: number | undefined;
  /** `--compression`: what layers stored uncompressed are sent as; the library's default (gzip) when absent. */
  readonly compression?: LayerCompressionChoice | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  /** A containers auth.json to read credentials from (skopeo's `--authfile`), instead of the search path. */
  readonly authFile?: string | undefined;
  /** Where to write the pushed manifest's digest (skopeo's `--digestfile`). */
  readonly digestFile?: string | undefined;
  /** `--verbose`/`--debug`: the strategy decisions, HTTP requests and skopeo command line, on stderr. */
  readonly verbose: boolean;
}

/** The flags of `skopush push`. */
export const PUSH_FLAGS: FlagSpecs = {
  "harbor-url": { type: "string", description: "Harbor's URL (with --project and --repository, instead of <destination>)" },
  project: { type: "string", description: "the Harbor project" },
  repository: { type: "string", description: "the repository below the project" },
  tag: { type: "string", description: "the tag (default latest)" },
  username: { type: "string", short: "u", description: "the account; the password comes from --password-stdin" },
  "password-stdin": { type: "boolean", description: "read the password from standard input" },
  strategy: { type: "string", multiple: true, description: "try only these strategies, in this order", values: STRATEGY_NAMES },
  container: { type: "string", description: "the resident skopeo container (default skopeo-service)" },
  "shared-dir": { type: "string", description: "its shared directory on this machine", values: "directory" },
  "ca-cert": { type: "string", description: "trust this PEM CA certificate", values: "file" },
  "cert-dir": { type: "string", description: "a containers-certs.d directory", values: "directory" },
  insecure: { type: "boolean", description: "do not verify TLS (and allow plain http)" },
  "ensure-project": { type: "boolean", description: "Harbor: create the project when missing" },
  "ephemeral-robot": { type: "boolean", description: "Harbor: push with a robot account made for this push" },
  format: { type: "string", short: "f", description: "the manifest format written", values: ["oci", "v2s2"] },
  platform: { type: "string", description: "push one platform of a multi-platform archive (os/arch[/variant])" },
  image: { type: "string", description: "which image of an archive holding several" },
  timeout: { type: "string", description: "limit of the whole push (90s, 10m, 1h)" },
  "stall-timeout": { type: "string", description: "how long an upload may move no byte" },
  compression: { type: "string", description: "what uncompressed layers are sent as", values: ["gzip", "zstd", "none"] },
  authfile: { type: "string", description: "read credentials from this containers auth.json", values: "file" },
  digestfile: { type: "string", description: "write the pushed manifest's digest to this file", values: "file" },
  json: { type: "boolean", description: "print the result as one JSON line" },
  quiet: { type: "boolean", short: "q", description: "no progress; print only image@digest" },
  verbose: { type: "boolean", description: "show strategy decisions, HTTP requests and the skopeo command line" },
  debug: { type: "boolean", description: "the same as --verbose" },
  help: { type: "boolean", short: "h", description: "show the usage" },
};

const PLATFORM = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)?$/;

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

/** Parses the arguments of `skopush push`; throws {@link UsageError}. Returns `"help"` for `--help`. */
export const parsePushArguments = (argv: ReadonlyArray<string>): PushArguments | "help" => {
  refusePasswordFlag(argv, "push");
  const parsed = parseOptions("push", argv, PUSH_FLAGS, PUSH_FLAG_ANSWERS);
  if (parsed.booleans.has("help")) return "help";
  const usage = (reason: string) => new UsageError({ reason, command: "push" });
  const flag = (name: string) => stringFlag(parsed, name);
  const [archive, reference, ...extra] = parsed.positionals;
  if (archive === undefined || archive.length === 0) throw usage("missing <archive>: the image tarball to push");
  if (extra.length > 0) throw usage(`unexpected argument ${JSON.stringify(extra[0])}`);

  const harborUrl = flag("harbor-url");
  const harborParts = ["project", "repository", "tag"].filter((name) => flag(name) !== undefined);
  let destination: DestinationInput;
  if (reference !== undefined) {
    if (harborParts.length > 0) {
      throw usage(`give the destination either as <destination> or with --harbor-url/--project/--repository, not both (--${harborParts[0]})`);
    }
    destination = { kind: "reference", reference, harborUrl };
  } else {
    const project = flag("project");
    const repository = flag("repository");
    if (harborUrl === undefined || project === undefined || repository === undefined) {
      throw usage("missing <destination>: host/project/repo:tag, or --harbor-url, --project and --repository (and --tag)");
    }
    destination = { kind: "harbor", harborUrl, project, repository, tag: flag("tag") };
  }

  const username = flag("username");
  const passwordStdin = parsed.booleans.has("password-stdin");
  if (passwordStdin && username === undefined) throw usage("--password-stdin needs --username");
  if (username !== undefined && !passwordStdin) {
    throw usage("--username needs --password-stdin (the password is read from standard input, never from a flag)");
  }

  const json = parsed.booleans.has("json");
  const quiet = parsed.booleans.has("quiet");
  const insecure = parsed.booleans.has("insecure");
  const caCert = flag("ca-cert");
  const certDir = flag("cert-dir");
  if (insecure && (caCert !== undefined || certDir !== undefined)) {
    throw usage("--insecure skips certificate verification; it cannot be combined with --ca-cert or --cert-dir");
  }

  const format = flag("format");
  if (format !== undefined && format !== "oci" && format !== "v2s2") throw usage(`--format must be oci or v2s2, not ${JSON.stringify(format)}`);

  const platform = flag("platform");
  if (platform !== undefined && !PLATFORM.test(platform)) {
    throw usage(`--platform takes os/architecture[/variant], e.g. linux/arm64 or linux/arm/v7, not ${JSON.stringify(platform)}`);
  }
  const image = flag("image");
  if (image !== undefined && image.length === 0) throw usage("--image needs a name: a RepoTag of the archive, e.g. app:v1");

  const duration = (name: string): number | undefined => {
    const value = flag(name);
    if (value === undefined) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) throw usage(`--${name} takes a duration such as 90s, 10m or 1h (a bare number is seconds), not ${JSON.stringify(value)}`);
    return ms;
  };

  const compression = flag("compression");
  if (compression !== undefined && !LAYER_COMPRESSION_CHOICES.some((choice) => choice === compression)) {
    throw usage(`--compression must be ${LAYER_COMPRESSION_CHOICES.join(", ")}, not ${JSON.stringify(compression)}`);
  }

  return {
    archive,
    destination,
    username,
    passwordStdin,
    strategies: parseStrategies(parsed.strings.get("strategy")),
    container: flag("container"),
    sharedDir: flag("shared-dir"),
    caCert,
    certDir,
    insecure,
    ensureProject: parsed.booleans.has("ensure-project"),
    ephemeralRobot: parsed.booleans.has("ephemeral-robot"),
    manifestFormat: format,
    platform,
    image,
    timeoutMs: duration("timeout"),
    stallTimeoutMs: duration("stall-timeout"),
    compression: compression as LayerCompressionChoice | undefined,
    json,
    quiet,
    authFile: flag("authfile"),
    digestFile: flag("digestfile"),
    verbose: parsed.booleans.has("verbose") || parsed.booleans.has("debug"),
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
