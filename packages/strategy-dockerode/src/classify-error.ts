import { EnvironmentFault, StrategyUnavailable } from "@skopush/core";

/** What went wrong between skopush, the Docker Engine API and the resident container. */
export type DockerApiProblemKind =
  | "daemon-down"
  | "daemon-permission"
  | "daemon-tls"
  | "no-container"
  | "not-running"
  | "paused"
  | "no-image"
  | "name-conflict"
  | "no-shell"
  | "bad-connection"
  | "unknown";

/** A recognised problem with a reason and a fix. */
export interface DockerApiProblem {
  readonly kind: DockerApiProblemKind;
  readonly reason: string;
  readonly fix?: string | undefined;
}

/** What the messages name. */
export interface DockerApiContext {
  readonly endpoint: string;
  readonly container: string;
  /** How to create the container (a `docker run` line, or the manager's `ensure()`). */
  readonly createCommand: string;
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ABORT_ERR"]);
const TLS_CODE = /^(?:ERR_TLS_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|ERR_SSL)/;

const messageOf = (error: unknown): string => {
  const e = error as { json?: { message?: unknown }; reason?: unknown; message?: unknown };
  if (typeof e?.json?.message === "string") return e.json.message;
  if (typeof e?.message === "string") return e.message;
  return String(error);
};

/** Classifies a rejection of a {@link DockerClient} call. */
export const classifyDockerApiError = (error: unknown, context: DockerApiContext): DockerApiProblem => {
  const code = (error as { code?: unknown })?.code;
  const status = (error as { statusCode?: unknown })?.statusCode;
  const message = messageOf(error);
  const { container } = context;
  if ((error as { name?: unknown })?.name === "DockerHostInvalid") {
    return {
      kind: "bad-connection",
      reason: `the Docker connection settings cannot be used: ${message}`,
      fix: "set DOCKER_HOST to unix:///var/run/docker.sock, tcp://host:2376 (with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH) or ssh://user@host, or unset it",
    };
  }
  if (typeof code === "string" && (code === "EACCES" || code === "EPERM")) {
    return {
      kind: "daemon-permission",
      reason: `this user may not use the Docker daemon at ${context.endpoint} (${code})`,
      fix: "add the user to the docker group (sudo usermod -aG docker $USER, then log in again), or point DOCKER_HOST at a daemon it may use",
    };
  }
  if (typeof code === "string" && TLS_CODE.test(code)) {
    return {
      kind: "daemon-tls",
      reason: `the TLS connection to the Docker daemon at ${context.endpoint} failed (${code}: ${message})`,
      fix: "set DOCKER_CERT_PATH to the directory with the daemon's ca.pem and your cert.pem and key.pem",
    };
  }
  if ((typeof code === "string" && CONNECTION_CODES.has(code)) || (error as { name?: unknown })?.name === "AbortError") {
    return {
      kind: "daemon-down",
      reason: `the Docker daemon at ${context.endpoint} does not answer (${typeof code === "string" ? code : "aborted"}: ${message})`,
      fix: "start Docker (sudo systemctl start docker, or open Docker Desktop), or point DOCKER_HOST at a running daemon",
    };
  }
  if (status === 404 && /no such image/i.test(message)) {
    return { kind: "no-image", reason: message, fix: "docker pull the image, or docker load it; skopush never pulls" };
  }
  if (status === 404) {
    return { kind: "no-container", reason: `container ${container} does not exist`, fix: `create it: ${context.createCommand}` };
  }
  if (status === 409 && /paused/i.test(message)) {
    return { kind: "paused", reason: `container ${container} is paused`, fix: `docker unpause ${container}` };
  }
  if (status === 409 && /not running|restarting/i.test(message)) {
    return { kind: "not-running", reason: `container ${container} is not running`, fix: `docker start ${container}` };
  }
  if (status === 409 && /already in use|conflict/i.test(message)) {
    return { kind: "name-conflict", reason: message, fix: `remove or rename the other container named ${container}` };
  }
  if (/executable file not found[^]*"?sh"?|exec: "sh"/i.test(message)) {
    return {
      kind: "no-shell",
      reason: `container ${container} has no /bin/sh, which skopush needs to stop skopeo when a push is cancelled`,
      fix: `use an image with a POSIX shell (quay.io/skopeo/stable has one): ${context.createCommand}`,
    };
  }
  return { kind: "unknown", reason: `the Docker daemon at ${context.endpoint} answered${typeof status === "number" ? ` HTTP ${status}` : ""}: ${message}` };
};

/** The problem as a probe's answer. */
export const unavailable = (strategy: string, problem: Omit<DockerApiProblem, "kind">, cause?: unknown): StrategyUnavailable =>
  new StrategyUnavailable({ strategy, reason: problem.reason, fix: problem.fix, cause });

/** The problem met during a push. */
export const environmentFault = (strategy: string, problem: Omit<DockerApiProblem, "kind">, cause?: unknown): EnvironmentFault =>
  new EnvironmentFault({ strategy, reason: problem.reason, fix: problem.fix, cause });
