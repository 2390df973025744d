import "reflect-metadata";

export { ACME_EXCHANGE_PATH, AcmeCredentialsProvider, type AcmeCredentialsProviderOptions } from "./acme-credentials-provider.js";
export { ACME_STRATEGY_OPTIONS, acmeStrategy, registerAcmeStrategy, type AcmeStrategyOptions } from "./acme-strategy.js";
