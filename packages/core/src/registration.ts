import { instancePerContainerCachingFactory, type DependencyContainer, type InjectionToken } from "tsyringe";
import type { CredentialsProvider } from "./credentials-provider.js";
import type { CredentialsVerifier } from "./credentials-verifier.js";
import { FallbackChain, type FallbackChainOptions } from "./fallback-chain.js";
import type { PushStrategy } from "./push-strategy.js";
import { Pusher } from "./pusher.js";
import { isStrategyDefinition, type StrategyDefinition, type StrategyOptions } from "./strategy-definition.js";
import { CREDENTIALS_PROVIDER, CREDENTIALS_VERIFIER, FALLBACK_CHAIN_OPTIONS, PUSH_STRATEGY } from "./tokens.js";

type Constructor<T> = new (...args: never[]) => T;

const register = <T>(container: DependencyContainer, token: symbol, item: T | Constructor<T>) => {
  if (typeof item === "function") {
    // One instance per resolving container: a child sees its own options, and a probe cache lives as long as its container.
    const ctor = item as Constructor<T> & InjectionToken<T>;
    container.register<T>(token, { useFactory: instancePerContainerCachingFactory<T>((c) => c.resolve<T>(ctor)) });
  } else {
    container.register<T>(token, { useValue: item });
  }
  return container;
};

/**
 * Appends a strategy to the chain; strategies are tried in registration order. `strategy` is an
 * instance, an `@injectable` class, or a package's {@link StrategyDefinition}. A definition gets
 * `options` (name included) for this registration alone; without them, the options the resolving
 * container holds under the definition's token. Classes and definitions are built once per resolving
 * container, so a child's options never reach its parent or siblings.
 */
export function registerStrategy<O extends StrategyOptions>(
  container: DependencyContainer,
  strategy: StrategyDefinition<O, string>,
  options?: O,
): DependencyContainer;
export function registerStrategy(container: DependencyContainer, strategy: PushStrategy | Constructor<PushStrategy>): DependencyContainer;
export function registerStrategy<O extends StrategyOptions>(
  container: DependencyContainer,
  strategy: PushStrategy | Constructor<PushStrategy> | StrategyDefinition<O>,
  options?: O,
): DependencyContainer {
  if (!isStrategyDefinition(strategy)) return register(container, PUSH_STRATEGY, strategy);
  const definition = strategy as StrategyDefinition<O>;
  const make = (c: DependencyContainer): PushStrategy =>
    definition.create(options ?? (c.isRegistered(definition.optionsToken, true) ? c.resolve<O>(definition.optionsToken) : ({} as O)));
  container.register<PushStrategy>(PUSH_STRATEGY, { useFactory: instancePerContainerCachingFactory(make) });
  return container;
}

/** Appends a credentials provider; providers are asked in registration order. */
export const registerCredentialsProvider = (
  container: DependencyContainer,
  provider: CredentialsProvider | Constructor<CredentialsProvider>,
) => register(container, CREDENTIALS_PROVIDER, provider);

/** Appends a credentials verifier, asked (in registration order) when a push with credentials is denied. */
export const registerCredentialsVerifier = (
  container: DependencyContainer,
  verifier: CredentialsVerifier | Constructor<CredentialsVerifier>,
) => register(container, CREDENTIALS_VERIFIER, verifier);

/** Sets the options of the chain resolved from this container. */
export const registerFallbackChainOptions = (container: DependencyContainer, options: FallbackChainOptions) =>
  container.register<FallbackChainOptions>(FALLBACK_CHAIN_OPTIONS, { useValue: options });

/**
 * Resolves `ctor` from `container`, saying which of the two usual mistakes it is when tsyringe cannot: a
 * container from another copy of tsyringe (its bare "TypeInfo not known"), or no strategy registered.
 */
const resolveFromApp = <T>(container: DependencyContainer, ctor: Constructor<T> & InjectionToken<T>, what: string): T => {
  try {
    return container.resolve<T>(ctor);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith("TypeInfo not known"))
      throw new Error(
        `[skopush] cannot resolve a ${what}: the container comes from another copy of tsyringe than skopush's. Fix: give the app one tsyringe (\`npm ls tsyringe\` lists the copies; https://github.com/skopush/skopush/blob/main/docs/packaging.md)`,
        { cause: error },
      );
    if (!container.isRegistered(PUSH_STRATEGY, true))
      throw new Error(`[skopush] cannot resolve a ${what}: no push strategy is registered in the container. Fix: registerStrategy(container, …), or use createDefaultContainer()`, { cause: error });
    throw error;
  }
};

/** Resolves the chain of the strategies registered in `container`. */
export const resolveFallbackChain = (container: DependencyContainer): FallbackChain => resolveFromApp(container, FallbackChain, "FallbackChain");

/** Resolves a {@link Pusher} over the strategies and credentials providers registered in `container`. */
export const resolvePusher = (container: DependencyContainer): Pusher => resolveFromApp(container, Pusher, "Pusher");
