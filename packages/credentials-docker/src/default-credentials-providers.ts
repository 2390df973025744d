import {
  makeCredentials,
  StaticCredentialsProvider,
  type Credentials,
  type CredentialsProvider,
} from "@skopush/core";
import { ContainersAuthCredentialsProvider } from "./containers-auth-credentials-provider.js";
import type { CredentialsSourceOptions } from "./credentials-sources.js";
import { DockerConfigCredentialsProvider } from "./docker-config-credentials-provider.js";
import { EnvironmentCredentialsProvider } from "./environment-credentials-provider.js";

/** Options of {@link defaultCredentialsProviders}. */
export interface DefaultCredentialsProvidersOptions extends CredentialsSourceOptions {
  /** Explicit credentials (a CLI flag, an API argument); asked first. @default none */
  readonly credentials?: Credentials | { readonly username: string; readonly password: string } | undefined;
  /** Only use the explicit credentials for this `host[:port]`. @default every registry */
  readonly registry?: string | undefined;
  /** The single containers auth file to read, as `--authfile`. @default $REGISTRY_AUTH_FILE, else the search path */
  readonly authFile?: string | undefined;
  /** The docker config directory. @default $DOCKER_CONFIG, else ~/.docker */
  readonly dockerConfigDir?: string | undefined;
}

/**
 * The providers in the order skopush asks them: explicit credentials, then the environment
 * (`SKOPUSH_*`, `HARBOR_*`), then containers `auth.json`, then docker `config.json`.
 *
 * The most deliberate source wins: credentials passed for this push beat variables a CI job sets for
 * its whole run, which beat logins stored on the machine. Among stored logins, containers `auth.json`
 * comes before docker `config.json` because that is the order skopeo itself reads them in, so every
 * push strategy uses the account the user would get from skopeo; docker's file is last also because it
 * may start a credential helper process, the costliest lookup.
 */
export const defaultCredentialsProviders = (options: DefaultCredentialsProvidersOptions = {}): CredentialsProvider[] => {
  const providers: CredentialsProvider[] = [];
  if (options.credentials !== undefined) {
    const explicit = options.credentials;
    const credentials =
      typeof explicit.password === "string" ? makeCredentials(explicit.username, explicit.password, "the explicit credentials option") : (explicit as Credentials);
    providers.push(new StaticCredentialsProvider(credentials, options.registry));
  }
  providers.push(
    new EnvironmentCredentialsProvider({ env: options.env }),
    new ContainersAuthCredentialsProvider({ ...options, authFile: options.authFile }),
    new DockerConfigCredentialsProvider({ ...options, configDir: options.dockerConfigDir }),
  );
  return providers;
};
