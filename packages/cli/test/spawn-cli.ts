import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The command the tests run, as npm links it: the `skopush` package's bin, which runs the one-file bundle. */
export const CLI_BIN = fileURLToPath(new URL("../../skopush/bin/skopush.cjs", import.meta.url));
/** The bundle itself (the integration project's global setup builds it from the sources before any test). */
export const CLI_BUNDLE = fileURLToPath(new URL("../../skopush/dist/skopush.cjs", import.meta.url));

/** Fails with what to do when the bundle has not been built. */
export const assertBuilt = (): void => {
  if (!existsSync(CLI_BUNDLE)) throw new Error(`${CLI_BUNDLE} is missing: build it with npm run bundle (the integration tests' global setup does)`);
};

/** How a spawned `skopush` ended. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `skopush`: its output so far, a way to signal it, and its end. */
export interface CliProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
  readonly done: Promise<CliRun>;
}

/** Starts the built `skopush` with exactly `env` (nothing inherited) and `stdin` as its input. */
export const startCli = (args: ReadonlyArray<string>, options: { env: Record<string, string>; stdin?: string }): CliProcess => {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env: options.env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdin.end(options.stdin ?? "");
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { pid: child.pid ?? -1, stdout: () => stdout, stderr: () => stderr, kill: (signal) => child.kill(signal), done };
};

/** Runs the built `skopush` to its end. */
export const runCli = (args: ReadonlyArray<string>, options: { env: Record<string, string>; stdin?: string }): Promise<CliRun> =>
  startCli(args, options).done;

/** Resolves once `condition` holds, polling; rejects after `timeoutMs`. */
export const waitUntil = async (condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Command lines of every process on this machine whose command line contains `text`. */
export const processesMentioning = async (text: string): Promise<string[]> => {
  const { readdir, readFile } = await import("node:fs/promises");
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(text)) found.push(cmdline.replaceAll("\0", " ").trim());
  }
  return found;
};
