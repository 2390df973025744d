import type { InjectionToken } from "tsyringe";
import type { PushStrategy } from "./push-strategy.js";

/** The options every strategy accepts, besides its own. */
export interface StrategyOptions {
  /** The strategy's name in attempts, results and `--strategy`; set it to register one technology twice. @default the definition's name */
  readonly name?: string | undefined;
}

/**
 * How a strategy package makes its strategy: its default name, the token under which a container may
 * hold default options for it, and a factory. `registerStrategy(container, definition, options)` is the
 * one registration line a strategy needs; see "Writing a strategy" in docs/architecture.md.
 */
export interface StrategyDefinition<O extends StrategyOptions = StrategyOptions, N extends string = string> {
  /** The default name, e.g. `native`. */
  readonly name: N;
  /** Where a container may hold options used by registrations that pass none. */
  readonly optionsToken: InjectionToken<O>;
  /** Builds one instance; `options` are the registration's, else the container's, else `{}`. */
  readonly create: (options: O) => PushStrategy;
}

/** Declares a {@link StrategyDefinition}; an identity function that fixes the options type. */
export const defineStrategy = <O extends StrategyOptions, N extends string = string>(definition: StrategyDefinition<O, N>): StrategyDefinition<O, N> => definition;

/** True when `item` is a {@link StrategyDefinition} rather than an instance or a class. */
export const isStrategyDefinition = (item: unknown): item is StrategyDefinition<never> =>
  typeof item === "object" && item !== null && "create" in item && "optionsToken" in item && typeof (item as { create: unknown }).create === "function";
