import { spawn } from "node:child_process";

/** How a tool run by {@link runTool} ended. */
export interface ToolRun {
  /** The exit code; -1 when the tool could not be started or was killed. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` (no shell) to its end and answers its output; never rejects. */
export const runTool = (
  file: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: NodeJS.ProcessEnv | undefined; readonly stdin?: string | undefined; readonly timeoutMs?: number | undefined } = {},
): Promise<ToolRun> =>
  new Promise((resolve) => {
    const child = spawn(file, [...args], { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"], timeout: options.timeoutMs ?? 300_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", (error) => resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` }));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A tool that exits without reading its input makes the write fail with EPIPE: its exit code tells the story.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? "");
  });
