import "reflect-metadata";

export { makeCredentials, StaticCredentialsProvider, type Credentials } from "@skopush/core";
export { ContainersAuthCredentialsProvider, type ContainersAuthCredentialsProviderOptions } from "./containers-auth-credentials-provider.js";
export { DEFAULT_HELPER_TIMEOUT_MS, type CredentialsSourceOptions, type Environment } from "./credentials-sources.js";
export { defaultCredentialsProviders, type DefaultCredentialsProvidersOptions } from "./default-credentials-providers.js";
export {
  DOCKER_AUTH_CONFIG,
  DockerConfigCredentialsProvider,
  type DockerConfigCredentialsProviderOptions,
} from "./docker-config-credentials-provider.js";
export {
  DEFAULT_CREDENTIAL_VARIABLES,
  EnvironmentCredentialsProvider,
  type EnvironmentCredentialsProviderOptions,
} from "./environment-credentials-provider.js";
