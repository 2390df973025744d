import { LAYER_COMPRESSION_CHOICES, type LayerCompressionChoice, type ManifestFormat } from "@skopush/core";
import type { StrategyName } from "skopush";
import { UsageError } from "../usage-error.js";
import { parseDuration } from "./parse-duration.js";
import { parseOptions, stringFlag, type FlagSpecs } from "./parse-options.js";
import { parseStrategies, PUSH_FLAGS, refusePasswordFlag } from "./push-arguments.js";

/** What `skopush push-many` was asked to do. */
export interface PushManyArguments {
  /** The JSON plan file. */
  readonly plan: string;
  /** `--concurrency`: images pushed at once; the library's default (3) when absent. */
  readonly concurrency?: number | undefined;
  /** `--shard i/n`, as given; checked by the library's parseShard. */
  readonly shard?: string | undefined;
  readonly username?: string | undefined;
  readonly passwordStdin: boolean;
  readonly strategies?: ReadonlyArray<StrategyName> | undefined;
  readonly container?: string | undefined;
  readonly sharedDir?: string | undefined;
  readonly caCert?: string | undefined;
  readonly certDir?: string | undefined;
  readonly insecure: boolean;
  readonly manifestFormat?: ManifestFormat | undefined;
  readonly compression?: LayerCompressionChoice | undefined;
  /** `--timeout`: the limit of each image's push, in ms. */
  readonly timeoutMs?: number | undefined;
  readonly stallTimeoutMs?: number | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
}

/** The flags of `skopush push-many`: push's, without the destination's, plus concurrency and shard. */
export const PUSH_MANY_FLAGS: FlagSpecs = {
  concurrency: { type: "string", description: "images pushed at once (default 3)" },
  shard: { type: "string", description: "push only shard i (0-based) of n, e.g. 0/3" },
  ...Object.fromEntries(
    (
      ["username", "password-stdin", "strategy", "container", "shared-dir", "ca-cert", "cert-dir", "insecure", "format", "compression", "timeout", "stall-timeout", "json", "quiet", "help"] as const
    ).flatMap((name) => (PUSH_FLAGS[name] === undefined ? [] : [[name, PUSH_FLAGS[name]] as const])),
  ),
};

/** Parses the arguments of `skopush push-many`; throws {@link UsageError}. Returns `"help"` for `--help`. */
export const parsePushManyArguments = (argv: ReadonlyArray<string>): PushManyArguments | "help" => {
  refusePasswordFlag(argv, "push-many");
  const parsed = parseOptions("push-many", argv, PUSH_MANY_FLAGS);
  if (parsed.booleans.has("help")) return "help";
  const usage = (reason: string) => new UsageError({ reason, command: "push-many" });
  const flag = (name: string) => stringFlag(parsed, name);
  const [plan, ...extra] = parsed.positionals;
  if (plan === undefined || plan.length === 0) throw usage("missing <plan>: a JSON list of { archive, destination } items");
  if (extra.length > 0) throw usage(`unexpected argument ${JSON.stringify(extra[0])}`);
  const username = flag("username");
  const passwordStdin = parsed.booleans.has("password-stdin");
  if (passwordStdin && username === undefined) throw usage("--password-stdin needs --username");
  if (username !== undefined && !passwordStdin) throw usage("--username needs --password-stdin (the password is read from standard input, never from a flag)");
  const insecure = parsed.booleans.has("insecure");
  const caCert = flag("ca-cert");
  const certDir = flag("cert-dir");
  if (insecure && (caCert !== undefined || certDir !== undefined)) throw usage("--insecure skips certificate verification; it cannot be combined with --ca-cert or --cert-dir");
  const concurrencyText = flag("concurrency");
  const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
  if (concurrency !== undefined && !(/^\d{1,4}$/.test(concurrencyText ?? "") && concurrency >= 1)) {
    throw usage(`--concurrency takes a whole number of images at once (1 or more), not ${JSON.stringify(concurrencyText)}`);
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
    plan,
    concurrency,
    shard: flag("shard"),
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
