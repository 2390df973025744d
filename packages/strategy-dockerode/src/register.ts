import { defineStrategy, registerStrategy } from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { DOCKERODE_OPTIONS, type DockerodeOptions } from "./dockerode-options.js";
import { DockerodePushStrategy } from "./dockerode-push-strategy.js";

/** The dockerode strategy: `registerStrategy(container, dockerodeStrategy, options)` appends one to a chain. */
export const dockerodeStrategy = defineStrategy<DockerodeOptions, "dockerode">({ name: "dockerode", optionsToken: DOCKERODE_OPTIONS, create: (options) => new DockerodePushStrategy(options) });

/** Appends the dockerode strategy to `container`'s chain, with `options` (name included) for this registration alone. */
export const registerDockerodeStrategy = (container: DependencyContainer, options?: DockerodeOptions): DependencyContainer => registerStrategy(container, dockerodeStrategy, options);
