import { isPushError, PushFailed, Pusher, resolvePusher, type PushResult, type PushTimeouts } from "@skopush/core";
import type { DefaultContainerOptions } from "skopush";
import type { DependencyContainer } from "tsyringe";
import type { PushArguments } from "../args/push-arguments.js";
import { reapDeadPushTemporaries, STRATEGY_NAMES } from "skopush";
import { pushUsage } from "../args/usage.js";
import type { CliIo } from "../cli-io.js";
import { EXIT, exitCodeOf, exitCodeOfSignal, type InterruptSignal } from "../exit-codes.js";
import { writeFile } from "node:fs/promises";
import { startDebugLog } from "../output/debug-log.js";
import { liveProgress } from "../output/live-progress.js";
import { plainProgress } from "../output/plain-progress.js";
import { silentProgress, type ProgressRenderer } from "../output/progress-renderer.js";
import { failureLines, jsonInputError, jsonLine, jsonResultOf, skippedAttemptLines, successLine } from "../output/result-output.js";
import { paletteOf, terminalStyle } from "../output/terminal.js";
import { preparePush, type InputFailure } from "./prepare-push.js";
import { pushContainerOptions, type PushPlan } from "./push-composition.js";

/** Builds the DI container a push runs in; the composition root's one seam for tests. */
export type CreatePushContainer = (options: DefaultContainerOptions) => DependencyContainer;

/** `skopush push`: checks the inputs, pushes with progress, prints the result; resolves the exit code. */
export const pushCommand = async (argv: ReadonlyArray<string>, io: CliIo, createContainer: CreatePushContainer): Promise<number> => {
  const prepared = await preparePush(argv, io);
  if (prepared.kind === "help") {
    io.stdout.write(pushUsage(STRATEGY_NAMES));
    return EXIT.ok;
  }
  if (prepared.kind === "input") return reportInputFailure(prepared, argv.includes("--json"), io);
  const { plan } = prepared;
  await reapDeadPushTemporaries();
  if (plan.scheme === "http" && !plan.args.quiet) {
    io.stderr.write(`note: ${plan.destination.registry} is reached over plain http, as --harbor-url says: no TLS\n`);
  }
  const result = await pushWithSignals(plan, io, createContainer);
  const digestFileProblem = result.result.status === "success" ? await writeDigestFile(plan.args.digestFile, result.result.digest) : undefined;
  printResult(result.result, plan.args, io);
  let code = exitCodeOf(result.result, result.interruptedBy);
  if (digestFileProblem !== undefined) {
    io.stderr.write(`${paletteOf(terminalStyle(io.stderr, io.env)).red("✖")} ${digestFileProblem}\n`);
    code = EXIT.failed;
  }
  result.printed(code);
  return code;
};

/** Writes the digest as skopeo's `--digestfile` does (the digest alone); says what went wrong, if anything. */
const writeDigestFile = async (path: string | undefined, digest: string): Promise<string | undefined> => {
  if (path === undefined) return undefined;
  try {
    await writeFile(path, digest);
    return undefined;
  } catch (error) {
    return `pushed, but --digestfile ${JSON.stringify(path)} could not be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
};

const reportInputFailure = (failure: InputFailure, json: boolean, io: CliIo): number => {
  if (json) io.stdout.write(jsonLine(jsonInputError(failure.error._tag, failure.error.message, failure.image)));
  io.stderr.write(`${paletteOf(terminalStyle(io.stderr, io.env)).red("✖")} ${failure.error.message}\n`);
  return EXIT.usage;
};

/**
 * Runs the push with a renderer and the signal handlers: the first SIGINT/SIGTERM aborts the push, which
 * resolves once its cleanup is done; a second one exits at once.
 */
const pushWithSignals = async (
  plan: PushPlan,
  io: CliIo,
  createContainer: CreatePushContainer,
): Promise<{ readonly result: PushResult; readonly interruptedBy?: InterruptSignal | undefined; readonly printed: (code: number) => void }> => {
  const started = (io.now ?? Date.now)();
  const renderer = progressRendererFor(plan.args, io);
  const stopDebugLog = plan.args.verbose ? startDebugLog({ write: (text) => void io.stderr.write(text), now: io.now }) : () => {};
  // Whatever ends the process (a second signal, a defect), the terminal gets its cursor back.
  const stopAtExit = io.atExit?.(() => renderer.finish("failure")) ?? (() => {});
  const controller = new AbortController();
  let interruptedBy: InterruptSignal | undefined;
  // Once the result is decided, a signal must not turn it into 130 (over a printed success): it is ignored
  // until the result is printed, and then ends the process (still lingering, e.g. on a Docker connection) with the result's code.
  let settled = false;
  let printedCode: number | undefined;
  const printed = (code: number) => void (printedCode = code);
  io.onInterrupt((signal) => {
    if (settled) {
      if (printedCode !== undefined) io.exit(printedCode);
      return;
    }
    if (interruptedBy !== undefined) {
      renderer.finish("failure");
      io.stderr.write(`${signal} again: exiting without waiting for cleanup\n`);
      io.exit(exitCodeOfSignal(signal));
      return;
    }
    interruptedBy = signal;
    io.stderr.write(`\n${signal}: cancelling the push and cleaning up (send it again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  });
  let result: PushResult | undefined;
  try {
    const container = createContainer(pushContainerOptions(plan));
    result = await resolvePusher(container).push({
      archive: { path: plan.args.archive, platform: plan.args.platform, image: plan.args.image },
      destination: plan.destination,
      tls: plan.tls,
      manifestFormat: plan.args.manifestFormat,
      timeouts: timeoutsOf(plan.args),
      compression: plan.args.compression,
      signal: controller.signal,
      onProgress: renderer.onEvent,
    });
    return { result, interruptedBy, printed };
  } catch (error) {
    // A container that cannot be built (a bad strategy option) is a failed push, reported like one.
    if (!isPushError(error)) throw error;
    const failed = new PushFailed({ reason: error, attempts: [] });
    return { result: Pusher.failure(failed, plan.destination, (io.now ?? Date.now)() - started), interruptedBy, printed };
  } finally {
    settled = true;
    stopDebugLog();
    renderer.finish(result?.status === "success" ? "success" : "failure");
    stopAtExit();
  }
};

/** The time limits the flags set; the library's defaults for the others (an undefined key would override them). */
const timeoutsOf = (args: PushArguments): Partial<PushTimeouts> => ({
  ...(args.timeoutMs !== undefined && { totalMs: args.timeoutMs }),
  ...(args.stallTimeoutMs !== undefined && { stallMs: args.stallTimeoutMs }),
});

const progressRendererFor = (args: PushArguments, io: CliIo): ProgressRenderer => {
  if (args.quiet) return silentProgress;
  const style = terminalStyle(io.stderr, io.env);
  const write = (text: string) => void io.stderr.write(text);
  const palette = paletteOf(style);
  // Debug lines would tear a frame redrawn in place: --verbose gets plain lines.
  return style.live && !args.verbose ? liveProgress({ write, palette, columns: () => terminalStyle(io.stderr, io.env).columns, now: io.now }) : plainProgress({ write, palette, now: io.now });
};

const printResult = (result: PushResult, args: PushArguments, io: CliIo): void => {
  if (args.json) io.stdout.write(jsonLine(jsonResultOf(result)));
  if (result.status === "error") {
    io.stderr.write(failureLines(result, paletteOf(terminalStyle(io.stderr, io.env))));
    return;
  }
  if (result.cancelledTooLate === true) {
    io.stderr.write(`note: the cancel came too late: the registry had already taken the manifest, so ${result.image} is pushed\n`);
  }
  if (args.json) return;
  if (!args.quiet) {
    const palette = paletteOf(terminalStyle(io.stderr, io.env));
    io.stderr.write(skippedAttemptLines(result, palette) + successLine(result, palette));
  }
  // As crane prints it: the last line on stdout is what a script captures, `ref=$(skopush push …)`.
  io.stdout.write(`${result.image}@${result.digest}\n`);
};
