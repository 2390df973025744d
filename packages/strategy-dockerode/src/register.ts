import type { DependencyContainer } from "tsyringe";
import { registerStrategy } from "@skopush/core";
import { DOCKERODE_OPTIONS, type DockerodeOptions } from "./dockerode-options.js";
import { DockerodePushStrategy } from "./dockerode-push-strategy.js";

/** Appends the dockerode strategy to the container's chain, with `options` when given. */
export const registerDockerodeStrategy = (container: DependencyContainer, options?: DockerodeOptions): DependencyContainer => {
  if (options !== undefined) container.register<DockerodeOptions>(DOCKERODE_OPTIONS, { useValue: options });
  return registerStrategy(container, DockerodePushStrategy);
};
