import { UsageError } from "../usage-error.js";
import { parseOptions, stringFlag, type FlagSpecs } from "./parse-options.js";
import { parseSharedPushOptions, refusePasswordFlag, SHARED_PUSH_FLAGS, type SharedPushOptions } from "./shared-push-options.js";

/** What `skopush push-many` was asked to do (`timeoutMs` limits each image's push). */
export interface PushManyArguments extends SharedPushOptions {
  /** The JSON plan file. */
  readonly plan: string;
  /** `--concurrency`: images pushed at once; the library's default (3) when absent. */
  readonly concurrency?: number | undefined;
  /** `--shard i/n`, as given; checked by the library's parseShard. */
  readonly shard?: string | undefined;
}

/** The flags of `skopush push-many`: push's, without the destination's, plus concurrency and shard. */
export const PUSH_MANY_FLAGS: FlagSpecs = {
  concurrency: { type: "string", description: "images pushed at once (default 3)" },
  shard: { type: "string", description: "push only shard i (0-based) of n, e.g. 0/3" },
  ...SHARED_PUSH_FLAGS,
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
  const concurrencyText = flag("concurrency");
  const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
  if (concurrency !== undefined && !(/^\d{1,4}$/.test(concurrencyText ?? "") && concurrency >= 1)) {
    throw usage(`--concurrency takes a whole number of images at once (1 or more), not ${JSON.stringify(concurrencyText)}`);
  }
  return { plan, concurrency, shard: flag("shard"), ...parseSharedPushOptions(parsed, usage) };
};
