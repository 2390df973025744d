import type { DependencyContainer } from "tsyringe";
import { registerStrategy } from "@skopush/core";
import { DOCKER_EXEC_OPTIONS, type DockerExecOptions } from "./docker-exec-options.js";
import { DockerExecPushStrategy } from "./docker-exec-push-strategy.js";

/** Appends the docker-exec strategy to the container's chain, with `options` when given. */
export const registerDockerExecStrategy = (container: DependencyContainer, options?: DockerExecOptions): DependencyContainer => {
  if (options !== undefined) container.register<DockerExecOptions>(DOCKER_EXEC_OPTIONS, { useValue: options });
  return registerStrategy(container, DockerExecPushStrategy);
};
