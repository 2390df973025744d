import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import { execa } from "execa";

/** How the docker CLI is invoked. */
export interface DockerCli {
  /** The docker executable. */
  readonly path: string;
  /** The CLI's whole environment (`DOCKER_HOST`, `DOCKER_CONTEXT`, `DOCKER_CONFIG`, `PATH`…). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A finished docker command; a non-zero exit is a result, read by the classifier. */
export interface DockerCommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The docker CLI could not be run at all, or did not finish in time. */
export class DockerCliError extends Data.TaggedError("DockerCliError")<{
  readonly kind: "missing" | "timeout" | "spawn";
  readonly detail: string;
  readonly cause?: unknown;
}> {}

/** Runs a short docker command (inspect, a probe exec, the stopper) to completion, with a time limit. */
export const runDocker = (
  cli: DockerCli,
  args: ReadonlyArray<string>,
  timeoutMs: number,
): Effect.Effect<DockerCommandResult, DockerCliError> =>
  Effect.tryPromise({
    try: (signal) =>
      execa(cli.path, args, {
        env: cli.env,
        extendEnv: false,
        reject: false,
        stdin: "ignore",
        timeout: timeoutMs,
        cancelSignal: signal,
        forceKillAfterDelay: 1_000,
      }),
    catch: (cause) => new DockerCliError({ kind: "spawn", detail: String(cause), cause }),
  }).pipe(
    Effect.flatMap((result) => {
      if (result.timedOut) return Effect.fail(new DockerCliError({ kind: "timeout", detail: `docker ${args[0] ?? ""} did not finish within ${timeoutMs} ms` }));
      if (result.exitCode === undefined) {
        const code = (result as { code?: string }).code;
        return Effect.fail(
          new DockerCliError({
            kind: code === "ENOENT" ? "missing" : "spawn",
            detail: code === "ENOENT" ? `${cli.path} not found on PATH` : (result.shortMessage ?? String(code)),
            cause: result,
          }),
        );
      }
      return Effect.succeed({ exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) });
    }),
  );
