export {
  credentialsProviderContract,
  type CredentialsProviderContractOptions,
  type ProviderUnderTest,
} from "./credentials-provider-contract.js";
export { pushStrategyContract, type PushStrategyContractOptions, type StrategyUnderTest } from "./push-strategy-contract.js";
export { expectSaysWhatToDo } from "./says-what-to-do.js";
