import { container as rootContainer, type DependencyContainer } from "tsyringe";
import {
  CredentialsChain,
  registerCredentialsProvider,
  registerCredentialsVerifier,
  registerFallbackChainOptions,
  registerStrategy,
  type CredentialsProvider,
  type FallbackChainOptions,
  type PushStrategy,
} from "@skopush/core";
import { defaultCredentialsProviders, type DefaultCredentialsProvidersOptions } from "@skopush/credentials-docker";
import { HarborCredentialsProvider, TokenServiceCredentialsVerifier, type HarborCredentialsProviderOptions } from "@skopush/credentials-harbor";
import { landedAfterCancel } from "./landed-after-cancel.js";
import { defaultStrategyCatalog, type StrategyCatalog, type StrategyOptionsByName } from "./strategy-catalog.js";
import { DEFAULT_STRATEGY_ORDER, type StrategyName } from "./strategy-names.js";

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Options per strategy: an options object, `true` for the defaults, `false` to leave it out. */
export type StrategySettings = { readonly [K in StrategyName]?: StrategyOptionsByName[K] | boolean | undefined };

/** Harbor checks before the push; the account comes from the default credentials providers unless given. */
export type DefaultHarborOptions = Omit<HarborCredentialsProviderOptions, "credentials"> & {
  readonly credentials?: HarborCredentialsProviderOptions["credentials"] | undefined;
};

/**
 * A strategy from outside the default list: an instance, or a registration function such as a strategy
 * package's `register<Tech>Strategy` bound to its options, `(c) => registerAcmeStrategy(c, { hosts })`.
 */
export type ExtraStrategy = PushStrategy | ((container: DependencyContainer) => unknown);

/** Options of {@link createDefaultContainer}. */
export interface DefaultContainerOptions {
  /** The strategies to register, in the order the chain tries them. @default DEFAULT_STRATEGY_ORDER */
  readonly order?: ReadonlyArray<StrategyName> | undefined;
  /**
   * Strategies for particular registries, tried before the default ones; each says with
   * `supports(request)` which destinations are its own, so every other push skips it without a probe. @default []
   */
  readonly extraStrategies?: ReadonlyArray<ExtraStrategy> | undefined;
  /** Options of each strategy, or `false` to remove it. @default every strategy with its defaults */
  readonly strategies?: StrategySettings | undefined;
  /** Options of the default credentials providers, or `false` to register none. @default {} */
  readonly credentialsProviders?: DefaultCredentialsProvidersOptions | false | undefined;
  /** Put a Harbor provider (validation, `ensureProject`, `ephemeralRobot`) before the default providers. @default none */
  readonly harbor?: DefaultHarborOptions | undefined;
  /**
   * Providers for other registries (a token exchange, a vault), asked after Harbor's and before the
   * default providers, so a stale login in an auth file cannot answer for their registries first. @default []
   */
  readonly extraCredentialsProviders?: ReadonlyArray<CredentialsProvider> | undefined;
  /** Options of the chain (policy, probe timeout, the check after a cancel). @default core's defaults, with {@link landedAfterCancel} */
  readonly chain?: FallbackChainOptions | undefined;
  /**
   * When a push with credentials is denied, ask the registry's token service whether it refuses the
   * credentials themselves, to report a wrong password as `AuthenticationFailed` instead of `AccessDenied`.
   * @default true
   */
  readonly verifyDeniedCredentials?: boolean | undefined;
  /** The container to register into a child of. @default tsyringe's root container */
  readonly parent?: DependencyContainer | undefined;
  /** Read by the strategies (`SKOPEO_SHARED_DIR`, `DOCKER_HOST`, `PATH`) and the providers. @default process.env */
  readonly env?: Environment | undefined;
  /** How each strategy is made and registered; replace it to register other implementations under the default names. @default defaultStrategyCatalog */
  readonly catalog?: StrategyCatalog | undefined;
}

/**
 * A child container holding the default chain (the extra strategies, then docker-exec → dockerode →
 * native → registry, each configurable or removable) and the credentials providers (Harbor's when asked for, the extra ones, then
 * the defaults: explicit, environment, containers `auth.json`, docker `config.json`), and the token-service
 * credentials verifier, ready for `resolvePusher`. More strategies or providers registered on it afterwards
 * are appended to the chain.
 */
export const createDefaultContainer = (options: DefaultContainerOptions = {}): DependencyContainer => {
  const container = (options.parent ?? rootContainer).createChildContainer();
  const env = options.env ?? process.env;
  const catalog = options.catalog ?? defaultStrategyCatalog;
  const order = options.order ?? DEFAULT_STRATEGY_ORDER;
  for (const extra of options.extraStrategies ?? []) {
    if (typeof extra === "function") extra(container);
    else registerStrategy(container, extra);
  }
  const seen = new Set<StrategyName>();
  for (const name of order) {
    if (seen.has(name)) throw new TypeError(`[skopush] strategy ${name} is listed twice in order`);
    seen.add(name);
    const setting = options.strategies?.[name];
    if (setting === false) continue;
    catalog[name](container, { env, options: setting === true ? undefined : (setting as never) });
  }
  // A cancel that came after the registry took the manifest is reported as the success it was.
  registerFallbackChainOptions(container, { landedAfterCancel, ...options.chain });
  const providers = options.credentialsProviders === false ? [] : defaultCredentialsProviders({ env, ...options.credentialsProviders });
  if (options.harbor) {
    const source: CredentialsProvider = new CredentialsChain(providers);
    registerCredentialsProvider(container, new HarborCredentialsProvider({ ...options.harbor, credentials: options.harbor.credentials ?? source }));
  }
  for (const provider of options.extraCredentialsProviders ?? []) registerCredentialsProvider(container, provider);
  for (const provider of providers) registerCredentialsProvider(container, provider);
  if (options.verifyDeniedCredentials !== false) registerCredentialsVerifier(container, new TokenServiceCredentialsVerifier());
  return container;
};
