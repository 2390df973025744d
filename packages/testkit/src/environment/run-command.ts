import { spawn } from "node:child_process";
import { basename } from "node:path";
import { Effect } from "effect";
import { TestEnvironmentError } from "./errors.js";

/** What a finished command printed. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Written to the command's stdin, which is then closed; how secrets reach a command. */
  readonly stdin?: string | undefined;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** @default 120000 */
  readonly timeoutMs?: number | undefined;
  /** What to tell the user when the command fails. */
  readonly fix?: string | undefined;
}

const tail = (text: string, lines = 20): string => text.trimEnd().split("\n").slice(-lines).join("\n");

/** Runs `file args` (no shell) and fails with a {@link TestEnvironmentError} naming `step` on a non-zero exit. */
export const runCommand = (
  step: string,
  file: string,
  args: ReadonlyArray<string>,
  options: RunCommandOptions = {},
): Effect.Effect<CommandOutput, TestEnvironmentError> => {
  const shown = [basename(file), ...args].join(" ");
  const timeoutMs = options.timeoutMs ?? 120_000;
  return Effect.callback<CommandOutput, TestEnvironmentError>((resume, signal) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      signal,
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on("error", () => undefined); // a command that exits without reading its stdin is judged by its exit code
    child.stdin.end(options.stdin ?? "");
    child.on("error", (cause) =>
      resume(
        Effect.fail(
          new TestEnvironmentError({ step, reason: `could not run ${shown}: ${cause.message}`, fix: options.fix, cause }),
        ),
      ),
    );
    child.on("close", (code, killedBy) => {
      const out = { stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") };
      if (code === 0) return resume(Effect.succeed(out));
      const how = killedBy === "SIGKILL" && code === null ? `was killed after ${timeoutMs} ms` : `exited with code ${code ?? killedBy}`;
      resume(
        Effect.fail(
          new TestEnvironmentError({ step, reason: `${shown} ${how}`, fix: options.fix, logTail: tail(out.stderr || out.stdout) }),
        ),
      );
    });
  });
};
