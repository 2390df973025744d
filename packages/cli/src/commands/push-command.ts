import { isPushError, resolvePusher, toFailure, PushFailed, type PushResult, type TlsSettings } from "@skopush/core";
import type { DefaultContainerOptions } from "skopush";
import type { DependencyContainer } from "tsyringe";
import { parsePushArguments, type PushArguments } from "../args/push-arguments.js";
import { readPasswordFromStdin } from "../args/read-password.js";
import { PUSH_USAGE } from "../args/usage.js";
import type { CliIo } from "../cli-io.js";
import { EXIT, exitCodeOf, exitCodeOfSignal, type InterruptSignal } from "../exit-codes.js";
import { liveProgress } from "../output/live-progress.js";
import { plainProgress } from "../output/plain-progress.js";
import { silentProgress, type ProgressRenderer } from "../output/progress-renderer.js";
import { failureLines, jsonInputError, jsonLine, jsonResultOf, skippedAttemptLines, successLine } from "../output/result-output.js";
import { paletteOf, terminalStyle } from "../output/terminal.js";
import { UsageError } from "../usage-error.js";
import { checkArchive, checkFlagPath, resolveDestination } from "./check-inputs.js";
import { pushContainerOptions } from "./push-composition.js";

/** Builds the DI container a push runs in; the composition root's one seam for tests. */
export type CreatePushContainer = (options: DefaultContainerOptions) => DependencyContainer;

/** `skopush push`: parses, checks the inputs, pushes with progress, prints the result; resolves the exit code. */
export const pushCommand = async (argv: ReadonlyArray<string>, io: CliIo, createContainer: CreatePushContainer): Promise<number> => {
  const wantsJson = argv.includes("--json");
  const started = (io.now ?? Date.now)();
  const errPalette = paletteOf(terminalStyle(io.stderr, io.env));
  const inputError = (error: { readonly _tag: string; readonly message: string }, image?: string): number => {
    if (wantsJson) io.stdout.write(jsonLine(jsonInputError(error._tag, error.message, image)));
    io.stderr.write(`${errPalette.red("✖")} ${error.message}\n`);
    return EXIT.usage;
  };

  let args: PushArguments;
  let plan;
  try {
    const parsed = parsePushArguments(argv);
    if (parsed === "help") {
      io.stdout.write(PUSH_USAGE);
      return EXIT.ok;
    }
    args = parsed;
    const { destination, scheme } = resolveDestination(args.destination);
    try {
      await checkArchive(args.archive);
      await checkFlagPath("--ca-cert", args.caCert, "file");
      await checkFlagPath("--cert-dir", args.certDir, "directory");
    } catch (error) {
      if (isPushError(error) || error instanceof UsageError) return inputError(error, destination.toString());
      throw error;
    }
    const password = args.passwordStdin ? await readPasswordFromStdin(io.stdin) : undefined;
    const plainHttp = scheme === "http";
    const tls: TlsSettings = { verify: !args.insecure && !plainHttp, caFile: args.caCert, certDir: args.certDir };
    if (plainHttp && !args.quiet) io.stderr.write(`note: ${destination.registry} is reached over plain http, as --harbor-url says: no TLS\n`);
    plan = { args, destination, password, tls, scheme, env: io.env } as const;
  } catch (error) {
    if (error instanceof UsageError || isPushError(error)) return inputError(error);
    throw error;
  }

  const { args: pushArgs, destination, tls } = plan;
  const renderer = progressRendererFor(pushArgs, io);
  const controller = new AbortController();
  let interruptedBy: InterruptSignal | undefined;
  const stopListening = io.onInterrupt((signal) => {
    if (interruptedBy !== undefined) {
      io.stderr.write(`${signal} again: exiting without waiting for cleanup\n`);
      io.exit(exitCodeOfSignal(signal));
      return;
    }
    interruptedBy = signal;
    io.stderr.write(`\n${signal}: cancelling the push and cleaning up (send it again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  });

  let result: PushResult;
  try {
    const container = createContainer(pushContainerOptions(plan));
    result = await resolvePusher(container).push({
      archive: pushArgs.archive,
      destination,
      tls,
      manifestFormat: pushArgs.manifestFormat,
      signal: controller.signal,
      onProgress: renderer.onEvent,
    });
  } catch (error) {
    // A container that cannot be built (a bad strategy option) is a failed push, reported like one.
    if (!isPushError(error)) throw error;
    result = toFailure(new PushFailed({ reason: error, attempts: [] }), destination, (io.now ?? Date.now)() - started);
  } finally {
    stopListening();
    renderer.finish();
  }
  printResult(result, pushArgs, io);
  return exitCodeOf(result, interruptedBy);
};

const progressRendererFor = (args: PushArguments, io: CliIo): ProgressRenderer => {
  if (args.quiet) return silentProgress;
  const style = terminalStyle(io.stderr, io.env);
  const write = (text: string) => void io.stderr.write(text);
  const palette = paletteOf(style);
  return style.live ? liveProgress({ write, palette, columns: style.columns, now: io.now }) : plainProgress({ write, palette, now: io.now });
};

const printResult = (result: PushResult, args: PushArguments, io: CliIo): void => {
  if (args.json) io.stdout.write(jsonLine(jsonResultOf(result)));
  const outPalette = paletteOf(terminalStyle(io.stdout, io.env));
  const errPalette = paletteOf(terminalStyle(io.stderr, io.env));
  if (result.status === "success") {
    if (args.json) return;
    if (args.quiet) {
      io.stdout.write(`${result.image}@${result.digest}\n`);
      return;
    }
    io.stderr.write(skippedAttemptLines(result, errPalette));
    io.stdout.write(successLine(result, outPalette));
    return;
  }
  io.stderr.write(failureLines(result, errPalette));
};
