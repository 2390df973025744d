import { execFile } from "node:child_process";
import { findExecutable } from "./find-executable.js";

/** A host program: where it is and what version it reports. */
export interface ToolReport {
  readonly found: boolean;
  readonly path?: string | undefined;
  readonly version?: string | undefined;
  /** Why it is missing or unusable, and what to do. */
  readonly problem?: string | undefined;
}

const run = (file: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, timeoutMs: number) =>
  new Promise<string>((resolve, reject) => {
    execFile(file, [...args], { env, timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) =>
      error ? reject(new Error((stderr || error.message).trim().split("\n")[0])) : resolve(stdout),
    );
  });

/** Finds `name` on the PATH of `env` and reads its version with `args`, parsed by `pattern`. */
const toolReport = async (
  name: string,
  args: ReadonlyArray<string>,
  pattern: RegExp,
  missing: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ToolReport> => {
  const path = await findExecutable(name, env.PATH);
  if (path === undefined) return { found: false, problem: missing };
  try {
    const output = await run(path, args, env as NodeJS.ProcessEnv, 5000);
    return { found: true, path, version: pattern.exec(output)?.[1] ?? output.trim() };
  } catch (error) {
    return { found: true, path, problem: `${path} ${args.join(" ")} failed: ${(error as Error).message}` };
  }
};

/** The host's skopeo (the native strategy's). */
export const skopeoReport = (env: Readonly<Record<string, string | undefined>>): Promise<ToolReport> =>
  toolReport(
    "skopeo",
    ["--version"],
    /skopeo version (\S+)/,
    "skopeo is not on PATH; install it (Debian/Ubuntu: apt-get install skopeo, macOS: brew install skopeo) for the native strategy",
    env,
  );

/** The host's docker CLI (the docker-exec strategy's); its version needs no daemon. */
export const dockerCliReport = (env: Readonly<Record<string, string | undefined>>): Promise<ToolReport> =>
  toolReport(
    "docker",
    ["--version"],
    /Docker version ([^,\s]+)/,
    "the docker CLI is not on PATH; the docker-exec strategy needs it (dockerode talks to the daemon without it)",
    env,
  );
