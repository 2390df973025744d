import { DEFAULT_STRATEGIES, type DefaultStrategy } from "./default-strategies.js";

/** The name of one default strategy, as `--strategy` and attempts spell it. */
export type StrategyName = DefaultStrategy["name"];

/** The strategies the default chain knows, in their default order (the names of {@link DEFAULT_STRATEGIES}). */
export const STRATEGY_NAMES: ReadonlyArray<StrategyName> = DEFAULT_STRATEGIES.map((definition) => definition.name);

/** The default chain's order: that of {@link DEFAULT_STRATEGIES}. */
export const DEFAULT_STRATEGY_ORDER: ReadonlyArray<StrategyName> = STRATEGY_NAMES;

/** True when `name` is one of {@link STRATEGY_NAMES}. */
export const isStrategyName = (name: string): name is StrategyName => (STRATEGY_NAMES as ReadonlyArray<string>).includes(name);
