import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { EnvironmentFault, settingPhrase } from "@skopush/core";
import { sampleBytesRead, type SkopeoRunOptions, type SkopeoRunResult, type SkopeoStream } from "@skopush/skopeo";
import * as Effect from "effect/Effect";
import { execa } from "execa";

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

// Reads its stdin (a pipe from this process, never written) to the end, which comes when this process
// ends, however; then stops skopeo (TERM, KILL after the grace) and removes the authfile. Built-ins plus
// sleep and rm; without them, KILL follows at once and the authfile is left to the next run's reaper.
const WATCHDOG =
  'while read -r line; do :; done; kill -TERM "$1" 2>/dev/null; sleep "$2" 2>/dev/null; kill -KILL "$1" 2>/dev/null; [ -z "$3" ] || rm -f -- "$3"';

/** A running watchdog (see {@link startSkopeoWatchdog}). */
export interface SkopeoWatchdog {
  /** The watchdog process; its stdin is the pipe whose end means this process has ended. */
  readonly process: ChildProcess | undefined;
  /** Ends it without letting it act: skopeo has ended, and its pid may be reused. */
  dismiss(): void;
}

/**
 * A watchdog for skopeo (pid `pid`) that outlives this process: a SIGKILL runs no finalizer, and skopeo,
 * reparented, would go on pushing. When the pipe from this process ends, it sends skopeo SIGTERM, SIGKILL
 * after `graceMs`, and removes `authFile`. None on Windows.
 */
export const startSkopeoWatchdog = (pid: number, graceMs: number, authFile: string | undefined): SkopeoWatchdog => {
  if (process.platform === "win32") return { process: undefined, dismiss: () => {} };
  let watchdog: ChildProcess | undefined;
  try {
    watchdog = spawn("/bin/sh", ["-c", WATCHDOG, "skopush-watchdog", String(pid), String(Math.ceil(graceMs / 1000)), authFile ?? ""], {
      stdio: ["pipe", "ignore", "ignore"],
      env: { PATH: "/usr/local/bin:/usr/bin:/bin" },
    });
    watchdog.on("error", () => undefined);
    watchdog.stdin?.on("error", () => undefined);
  } catch {
    return { process: undefined, dismiss: () => {} };
  }
  return {
    process: watchdog,
    // KILL, not end of input: its end would make it signal a pid that may be reused by now.
    dismiss: () => void watchdog?.kill("SIGKILL"),
  };
};

/**
 * Runs `skopeo <args>` with execa: no shell, stdin closed, only `settings.env` as environment, lines
 * handed to `onLine` as skopeo prints them. A non-zero exit is a result. Interrupting the effect sends
 * SIGTERM, then SIGKILL after `killGraceMs`, and waits until skopeo has exited. A watchdog process stops
 * skopeo the same way, and removes the authfile, if this process ends first (killed, even by SIGKILL);
 * otherwise the authfile is removed here as soon as skopeo has ended.
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
    const watchdog = subprocess.pid !== undefined ? startSkopeoWatchdog(subprocess.pid, settings.killGraceMs, options.authFile) : undefined;
    const ended = () => {
      stopSampling();
      watchdog?.dismiss();
      if (options.authFile !== undefined) rmSync(options.authFile, { force: true });
    };
    void subprocess.then((result) => {
      ended();
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
            fix: code === "ENOENT" ? `install skopeo, or ${settingPhrase("skopeoPath")}` : undefined,
            cause: result,
          }),
        ),
      );
    });
    return Effect.promise(async () => {
      stopSampling();
      controller.abort();
      await subprocess.catch(() => undefined);
      ended();
    });
  });
