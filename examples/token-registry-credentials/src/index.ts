import "reflect-metadata";

export { twoRegistriesContainer, type TwoRegistriesOptions } from "./compose-credentials.js";
export {
  TOKEN_USERNAME,
  TokenExchangeCredentialsProvider,
  type TokenExchangeCredentialsProviderOptions,
} from "./token-exchange-credentials-provider.js";
