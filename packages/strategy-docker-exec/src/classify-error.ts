import { EnvironmentFault, settingPhrase, StrategyUnavailable } from "@skopush/core";
import type { DockerCliError } from "./docker-cli.js";

/** What went wrong between the docker CLI, the daemon and the resident container. */
export type DockerProblemKind =
  | "cli-missing"
  | "cli-timeout"
  | "daemon-down"
  | "daemon-permission"
  | "no-container"
  | "not-running"
  | "paused"
  | "no-shell"
  | "unknown";

/** A recognised problem with a reason and a fix, ready to become `StrategyUnavailable` or `EnvironmentFault`. */
export interface DockerProblem {
  readonly kind: DockerProblemKind;
  readonly reason: string;
  readonly fix?: string | undefined;
}

/** What the messages need to name. */
export interface DockerProblemContext {
  readonly container: string;
  /** The `docker run` line that creates the container. */
  readonly createCommand: string;
}

const lastLines = (text: string): string => text.trim().split("\n").slice(-2).join(" | ");

/** Classifies what the docker CLI printed on a non-zero exit. */
export const classifyDockerStderr = (stderr: string, context: DockerProblemContext): DockerProblem => {
  const { container } = context;
  if (/permission denied while trying to connect to the docker (?:daemon|API)/i.test(stderr)) {
    return {
      kind: "daemon-permission",
      reason: `this user may not use the Docker daemon (${lastLines(stderr)})`,
      fix: "add the user to the docker group (sudo usermod -aG docker $USER, then log in again), or point DOCKER_HOST at a daemon it may use",
    };
  }
  if (/Cannot connect to the Docker daemon|error during connect|Is the docker daemon running|failed to connect to the docker API/i.test(stderr)) {
    return {
      kind: "daemon-down",
      reason: `the Docker daemon does not answer (${lastLines(stderr)})`,
      fix: "start Docker (sudo systemctl start docker, or open Docker Desktop), or point DOCKER_HOST at a running daemon",
    };
  }
  if (/No such (?:container|object)/i.test(stderr)) {
    return { kind: "no-container", reason: `container ${container} does not exist`, fix: `create it: ${context.createCommand}` };
  }
  if (/is paused/i.test(stderr)) {
    return { kind: "paused", reason: `container ${container} is paused`, fix: `docker unpause ${container}` };
  }
  if (/is not running|is restarting/i.test(stderr)) {
    return { kind: "not-running", reason: `container ${container} is not running`, fix: `docker start ${container}` };
  }
  if (/"sh": executable file not found|exec: "sh"|no such file or directory.*\bsh\b/i.test(stderr)) {
    return {
      kind: "no-shell",
      reason: `container ${container} has no /bin/sh, which skopush needs to stop skopeo when a push is cancelled`,
      fix: `use an image with a POSIX shell (quay.io/skopeo/stable has one): ${context.createCommand}`,
    };
  }
  return { kind: "unknown", reason: lastLines(stderr) || "docker failed without a message" };
};

/** Classifies a docker CLI that could not run. */
export const classifyDockerCliError = (error: DockerCliError): DockerProblem =>
  error.kind === "missing"
    ? {
        kind: "cli-missing",
        reason: `the docker CLI is not installed (${error.detail})`,
        fix: `install the docker CLI (Debian/Ubuntu: apt-get install docker.io; macOS/Windows: Docker Desktop), or ${settingPhrase("dockerPath")}`,
      }
    : error.kind === "timeout"
      ? { kind: "cli-timeout", reason: error.detail, fix: "check that the Docker daemon is healthy (docker info)" }
      : { kind: "unknown", reason: `the docker CLI could not be started: ${error.detail}` };

/** The problem as a probe's answer. */
export const unavailable = (strategy: string, problem: DockerProblem, cause?: unknown): StrategyUnavailable =>
  new StrategyUnavailable({ strategy, reason: problem.reason, fix: problem.fix, cause });

/** The problem met during a push. */
export const environmentFault = (strategy: string, problem: DockerProblem, cause?: unknown): EnvironmentFault =>
  new EnvironmentFault({ strategy, reason: problem.reason, fix: problem.fix, cause });
