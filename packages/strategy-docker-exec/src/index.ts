import "reflect-metadata";

export { classifyDockerCliError, classifyDockerStderr, type DockerProblem, type DockerProblemKind } from "./classify-error.js";
export { DEFAULT_DOCKER_CLI_ENV, dockerCliEnvironment } from "./docker-cli-environment.js";
export { DOCKER_EXEC_OPTIONS, resolveDockerExecOptions, type DockerExecOptions, type ResolvedDockerExecOptions } from "./docker-exec-options.js";
export { DockerExecPushStrategy } from "./docker-exec-push-strategy.js";
export type { DockerExecTarget } from "./docker-exec-probe.js";
export { dockerExecStrategy, registerDockerExecStrategy } from "./register.js";
