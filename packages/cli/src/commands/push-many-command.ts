import * as Effect from "effect/Effect";
import { ImageReference, type PushTimeouts } from "@skopush/core";
import { loadPlan, parseShard, PlanInvalid, pushMany, shardOf, type PushManyItemReport, type PushPlan } from "skopush";
import { parsePushManyArguments, type PushManyArguments } from "../args/push-many-arguments.js";
import { readPasswordFromStdin } from "../args/read-password.js";
import { pushManyUsage } from "../args/usage.js";
import type { CliIo } from "../cli-io.js";
import { EXIT, exitCodeOfSignal, type InterruptSignal } from "../exit-codes.js";
import { itemDoneLine, summaryTable } from "../output/push-many-output.js";
import { paletteOf, terminalStyle } from "../output/terminal.js";
import { UsageError } from "../usage-error.js";
import { checkFlagPath } from "./check-inputs.js";
import type { CreatePushContainer } from "./push-command.js";
import { DEFAULT_RESIDENT_NAME, residentContainerSettings, sharedDirectoryOf } from "./resident-settings.js";

/** The plan's items this run pushes: the shard's, or all. */
const selectedItems = (plan: PushPlan, shard: string | undefined): PushPlan => {
  if (shard === undefined) return plan;
  const parsed = parseShard(shard);
  if (parsed instanceof PlanInvalid) throw new UsageError({ reason: parsed.message.replace(/^\[skopush\] /, ""), command: "push-many" });
  return shardOf(plan, parsed.index, parsed.count);
};

/** Explicit credentials are sent to one registry only: refused for a plan that spans several (whatever the shard holds). */
const credentialsRegistry = (plan: PushPlan, args: PushManyArguments): string | undefined => {
  if (args.username === undefined) return undefined;
  const registries = new Set(plan.items.map((item) => ImageReference.parseOrThrow(item.destination).registry));
  if (registries.size > 1) {
    throw new UsageError({
      reason: `--username applies to one registry, and the plan pushes to ${[...registries].join(", ")}; log in to each (skopeo login, docker login) or set SKOPUSH_USERNAME/SKOPUSH_PASSWORD`,
      command: "push-many",
    });
  }
  return [...registries][0];
};

const timeoutsOf = (args: PushManyArguments): Partial<PushTimeouts> => ({
  ...(args.timeoutMs !== undefined && { totalMs: args.timeoutMs }),
  ...(args.stallTimeoutMs !== undefined && { stallMs: args.stallTimeoutMs }),
});

/**
 * `skopush push-many <plan>`: pushes every item of a JSON plan (or one shard of it) in one process, a
 * line per item as it ends, a summary table on stderr, the report as JSON with --json. Exit 0 only when
 * every item was pushed; 2 for a bad plan or flags, before anything is pushed.
 */
export const pushManyCommand = async (argv: ReadonlyArray<string>, io: CliIo, createContainer: CreatePushContainer): Promise<number> => {
  const errorPalette = paletteOf(terminalStyle(io.stderr, io.env));
  const inputFailure = (tag: string, message: string) => {
    if (argv.includes("--json")) io.stdout.write(`${JSON.stringify({ status: "error", error: tag, message })}\n`);
    io.stderr.write(`${errorPalette.red("✖")} ${message}\n`);
    return EXIT.usage;
  };
  let args: PushManyArguments;
  let plan: PushPlan;
  let registry: string | undefined;
  let password: string | undefined;
  try {
    const parsed = parsePushManyArguments(argv);
    if (parsed === "help") {
      io.stdout.write(pushManyUsage);
      return EXIT.ok;
    }
    args = parsed;
    await checkFlagPath("--ca-cert", args.caCert, "file");
    await checkFlagPath("--cert-dir", args.certDir, "directory");
    const loaded = await Effect.runPromise(Effect.result(loadPlan(args.plan)));
    if (loaded._tag === "Failure") return inputFailure(loaded.failure._tag, loaded.failure.message);
    // The whole plan, not the shard: every shard of a CI matrix gets the same --username.
    registry = credentialsRegistry(loaded.success, args);
    plan = selectedItems(loaded.success, args.shard);
    password = args.passwordStdin ? await readPasswordFromStdin(io.stdin) : undefined;
  } catch (error) {
    if (error instanceof UsageError) return inputFailure(error._tag, error.message);
    throw error;
  }
  const controller = new AbortController();
  let interruptedBy: InterruptSignal | undefined;
  io.onInterrupt((signal) => {
    if (interruptedBy !== undefined) {
      io.exit(exitCodeOfSignal(signal));
      return;
    }
    interruptedBy = signal;
    io.stderr.write(`\n${signal}: cancelling the pushes and cleaning up (send it again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  });
  const palette = paletteOf(terminalStyle(io.stderr, io.env));
  const explicit = args.username !== undefined && password !== undefined ? { username: args.username, password } : undefined;
  const resident = args.container !== undefined || args.sharedDir !== undefined;
  const container = createContainer({
    order: args.strategies,
    strategies: resident ? residentContainerSettings(args.container ?? DEFAULT_RESIDENT_NAME, sharedDirectoryOf(args.sharedDir, io.env).hostPath) : undefined,
    env: io.env,
    credentialsProviders: { env: io.env, credentials: explicit, registry },
  });
  let done = 0;
  if (!args.quiet && args.shard !== undefined) io.stderr.write(`shard ${args.shard}: ${plan.items.length} images of ${args.plan}\n`);
  const report = await pushMany(plan, {
    container,
    concurrency: args.concurrency,
    tls: { verify: !args.insecure, caFile: args.caCert, certDir: args.certDir },
    manifestFormat: args.manifestFormat,
    compression: args.compression,
    timeouts: timeoutsOf(args),
    signal: controller.signal,
    onItemDone: (item: PushManyItemReport) => {
      done += 1;
      if (!args.quiet) io.stderr.write(itemDoneLine(item, done, plan.items.length, palette));
    },
  });
  if (args.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  if (!args.quiet) io.stderr.write(summaryTable(report));
  if (interruptedBy !== undefined && !report.ok) return exitCodeOfSignal(interruptedBy);
  return report.ok ? EXIT.ok : EXIT.failed;
};
