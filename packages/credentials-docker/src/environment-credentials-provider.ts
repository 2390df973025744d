// Moved to @skopush/core, next to CredentialsChain and StaticCredentialsProvider; kept for compatibility.
export { DEFAULT_CREDENTIAL_VARIABLES, EnvironmentCredentialsProvider, type EnvironmentCredentialsProviderOptions } from "@skopush/core";
