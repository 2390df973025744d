import { EnvironmentFault } from "@skopush/core";
import type { SkopeoRunOptions, SkopeoRunResult, SkopeoStream } from "@skopush/skopeo";
import * as Effect from "effect/Effect";
import { execa } from "execa";
import { sampleBytesRead } from "./process-bytes-read.js";

/** How the host runs its skopeo. */
export interface RunSkopeoSettings {
  readonly strategy: string;
  readonly skopeoPath: string;
  /** The whole environment (no inheritance beyond it). */
  readonly env: Readonly<Record<string, string>>;
  readonly killGraceMs: number;
  readonly progressIntervalMs: number;
}

const lines = (stream: SkopeoStream, onLine: SkopeoRunOptions["onLine"]) => ({
  *transform(line: unknown) {
    try {
      onLine?.(String(line), stream);
    } catch {
      // A line consumer's bug must not break the push.
    }
    yield line;
  },
});

/**
 * Runs `skopeo <args>` with execa: no shell, stdin closed, only `settings.env` as environment, lines
 * handed to `onLine` as skopeo prints them. A non-zero exit is a result. Interrupting the effect sends
 * SIGTERM, then SIGKILL after `killGraceMs`, and waits until skopeo has exited.
 */
export const runSkopeo = (settings: RunSkopeoSettings, args: ReadonlyArray<string>, options: SkopeoRunOptions = {}) =>
  Effect.callback<SkopeoRunResult, EnvironmentFault>((resume) => {
    const controller = new AbortController();
    const subprocess = execa(settings.skopeoPath, [...args], {
      env: { ...settings.env, ...options.env },
      extendEnv: false,
      stdin: "ignore",
      stdout: lines("stdout", options.onLine),
      stderr: lines("stderr", options.onLine),
      cancelSignal: controller.signal,
      forceKillAfterDelay: settings.killGraceMs,
      reject: false,
      windowsHide: true,
    });
    const onBytesRead = options.onBytesRead;
    const stopSampling =
      onBytesRead && subprocess.pid !== undefined ? sampleBytesRead(subprocess.pid, settings.progressIntervalMs, onBytesRead) : () => {};
    void subprocess.then((result) => {
      stopSampling();
      if (result.exitCode !== undefined && !result.isTerminated) {
        resume(Effect.succeed({ exitCode: result.exitCode, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") }));
        return;
      }
      const code = (result as { code?: string }).code;
      resume(
        Effect.fail(
          new EnvironmentFault({
            strategy: settings.strategy,
            reason:
              code === "ENOENT"
                ? `skopeo (${settings.skopeoPath}) is not installed or not executable`
                : result.isTerminated
                  ? `skopeo was killed by ${result.signal ?? "a signal"} before it finished`
                  : `skopeo could not be run: ${result.shortMessage}`,
            fix: code === "ENOENT" ? "install skopeo, or set the native strategy's skopeoPath" : undefined,
            cause: result,
          }),
        ),
      );
    });
    return Effect.promise(async () => {
      stopSampling();
      controller.abort();
      await subprocess.catch(() => undefined);
    });
  });
