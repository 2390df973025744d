import { instanceCachingFactory, type DependencyContainer, type InjectionToken } from "tsyringe";
import type { CredentialsProvider } from "./credentials-provider.js";
import type { CredentialsVerifier } from "./credentials-verifier.js";
import { FallbackChain, type FallbackChainOptions } from "./fallback-chain.js";
import type { PushStrategy } from "./push-strategy.js";
import { Pusher } from "./pusher.js";
import { CREDENTIALS_PROVIDER, CREDENTIALS_VERIFIER, FALLBACK_CHAIN_OPTIONS, PUSH_STRATEGY } from "./tokens.js";

type Constructor<T> = new (...args: never[]) => T;

const register = <T>(container: DependencyContainer, token: symbol, item: T | Constructor<T>) => {
  if (typeof item === "function") {
    // One instance per container, so a strategy's probe cache lives as long as its container.
    const ctor = item as Constructor<T> & InjectionToken<T>;
    container.register<T>(token, { useFactory: instanceCachingFactory<T>((c) => c.resolve<T>(ctor)) });
  } else {
    container.register<T>(token, { useValue: item });
  }
  return container;
};

/**
 * Appends a strategy (an instance, or an `@injectable` class resolved from the container) to the
 * chain. Strategies are tried in registration order.
 */
export const registerStrategy = (container: DependencyContainer, strategy: PushStrategy | Constructor<PushStrategy>) =>
  register(container, PUSH_STRATEGY, strategy);

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

/** Resolves the chain of the strategies registered in `container`. */
export const resolveFallbackChain = (container: DependencyContainer): FallbackChain => container.resolve(FallbackChain);

/** Resolves a {@link Pusher} over the strategies and credentials providers registered in `container`. */
export const resolvePusher = (container: DependencyContainer): Pusher => container.resolve(Pusher);
