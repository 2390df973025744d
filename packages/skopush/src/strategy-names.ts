/** The strategies the default chain knows, in their default order. */
export const STRATEGY_NAMES = ["docker-exec", "dockerode", "native", "registry"] as const;

/** The name of one default strategy, as `--strategy` and attempts spell it. */
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/**
 * The default chain's order: skopeo in the resident container first (the seed tool's production
 * setup), through the docker CLI and then the Engine API; then the host's skopeo; then the pure
 * TypeScript client, which needs nothing installed.
 */
export const DEFAULT_STRATEGY_ORDER: ReadonlyArray<StrategyName> = STRATEGY_NAMES;

/** True when `name` is one of {@link STRATEGY_NAMES}. */
export const isStrategyName = (name: string): name is StrategyName => (STRATEGY_NAMES as ReadonlyArray<string>).includes(name);
