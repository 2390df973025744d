import type { StrategyDefinition } from "@skopush/core";
import { dockerExecStrategy } from "@skopush/strategy-docker-exec";
import { dockerodeStrategy } from "@skopush/strategy-dockerode";
import { nativeSkopeoStrategy } from "@skopush/strategy-native";
import { registryPushStrategy } from "@skopush/strategy-registry";

/**
 * The default chain's strategies, in their default order: skopeo in the resident container first (the
 * seed tool's production setup), through the docker CLI and then the Engine API; then the host's skopeo;
 * then the pure TypeScript client, which needs nothing installed. Adding a strategy to the default chain
 * is one line here: the names, the options type, the catalog and the CLI's `--strategy` derive from it.
 */
export const DEFAULT_STRATEGIES = [dockerExecStrategy, dockerodeStrategy, nativeSkopeoStrategy, registryPushStrategy] as const;

/** One of {@link DEFAULT_STRATEGIES}. */
export type DefaultStrategy = (typeof DEFAULT_STRATEGIES)[number];

/** The options type of a strategy definition. */
export type OptionsOf<D> = D extends StrategyDefinition<infer O, string> ? O : never;
