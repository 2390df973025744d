export {
  credentialsProviderContract,
  type CredentialsProviderContractOptions,
  type ProviderUnderTest,
} from "./credentials-provider-contract.js";
