import type { DependencyContainer } from "tsyringe";
import { createDefaultContainer, type DefaultContainerOptions } from "skopush";
import { TokenExchangeCredentialsProvider, type TokenExchangeCredentialsProviderOptions } from "./token-exchange-credentials-provider.js";

/** Options of {@link twoRegistriesContainer}. */
export interface TwoRegistriesOptions {
  /** Harbor's URL; its account comes from SKOPUSH_* / HARBOR_* variables or auth files. */
  readonly harborUrl: string;
  readonly tokenRegistry: TokenExchangeCredentialsProviderOptions;
  /** Anything else for the default container (strategies, environment). */
  readonly defaults?: DefaultContainerOptions | undefined;
}

/**
 * The default chain, with Harbor's provider (validation, project checks) and the token-exchange provider
 * side by side in front of the default providers. Each answers only for its own registry, so their order
 * among themselves does not matter; both come before the auth files, which would otherwise answer first
 * with a stale login.
 */
export const twoRegistriesContainer = (options: TwoRegistriesOptions): DependencyContainer =>
  createDefaultContainer({
    ...options.defaults,
    harbor: { url: options.harborUrl },
    extraCredentialsProviders: [new TokenExchangeCredentialsProvider(options.tokenRegistry)],
  });
