import { defineStrategy, registerStrategy } from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { DOCKER_EXEC_OPTIONS, type DockerExecOptions } from "./docker-exec-options.js";
import { DockerExecPushStrategy } from "./docker-exec-push-strategy.js";

/** The docker-exec strategy: `registerStrategy(container, dockerExecStrategy, options)` appends one to a chain. */
export const dockerExecStrategy = defineStrategy<DockerExecOptions, "docker-exec">({ name: "docker-exec", optionsToken: DOCKER_EXEC_OPTIONS, create: (options) => new DockerExecPushStrategy(options) });

/** Appends the docker-exec strategy to `container`'s chain, with `options` (name included) for this registration alone. */
export const registerDockerExecStrategy = (container: DependencyContainer, options?: DockerExecOptions): DependencyContainer => registerStrategy(container, dockerExecStrategy, options);
