import { join } from "node:path";
import * as Effect from "effect/Effect";
import { CredentialsError, type Credentials, type CredentialsProvider, type CredentialsQuery } from "@skopush/core";
import { parseAuthFile, type AuthFile } from "./auth-file.js";
import { entryCredentials, findDockerEntry, findHelper, helperCredentials } from "./auth-lookup.js";
import { envValue, readTextFile, resolveSources, type CredentialsSourceOptions, type CredentialsSources } from "./credentials-sources.js";
import { helperServerUrl, normaliseRegistryHost } from "./registry-key.js";

/** Options of {@link DockerConfigCredentialsProvider}. */
export interface DockerConfigCredentialsProviderOptions extends CredentialsSourceOptions {
  /** The directory holding `config.json`, as `docker --config` takes it. @default $DOCKER_CONFIG, else ~/.docker */
  readonly configDir?: string | undefined;
}

/** The environment variable docker CLI ≥ 28.3 reads a whole `config.json` from, in preference to the file. */
export const DOCKER_AUTH_CONFIG = "DOCKER_AUTH_CONFIG";

/**
 * Reads what `docker login` wrote. Order, as docker CLI does it: the `auths` of `DOCKER_AUTH_CONFIG`;
 * then, in `config.json`, `credHelpers[host]`, else `credsStore` (its `auths` entry is only a
 * placeholder then), else `auths[host]`.
 */
export class DockerConfigCredentialsProvider implements CredentialsProvider {
  readonly name = "docker-config";
  private readonly sources: CredentialsSources;
  private readonly configDir: string | undefined;

  constructor(options: DockerConfigCredentialsProviderOptions = {}) {
    this.sources = resolveSources(options);
    this.configDir = options.configDir;
  }

  /** The `config.json` this provider reads. */
  get configPath(): string {
    const dir = this.configDir ?? envValue(this.sources.env, "DOCKER_CONFIG") ?? join(this.sources.homeDir, ".docker");
    return join(dir, "config.json");
  }

  resolve(query: CredentialsQuery): Effect.Effect<Credentials | undefined, CredentialsError> {
    const host = normaliseRegistryHost(query.registry);
    return Effect.gen({ self: this }, function* () {
      const fromEnv = envValue(this.sources.env, DOCKER_AUTH_CONFIG);
      if (fromEnv !== undefined) {
        const file = yield* parsed(DOCKER_AUTH_CONFIG, fromEnv);
        // docker reads only `auths` from the variable; helpers stay in the file.
        const entry = findDockerEntry(file, host);
        const credentials = entry && (yield* entryCredentials(`environment variable ${DOCKER_AUTH_CONFIG}`, entry));
        if (credentials) return credentials;
      }
      const path = this.configPath;
      const text = yield* readTextFile(this.sources, path);
      if (text === undefined) return undefined;
      const file = yield* parsed(path, text);
      const helper = findHelper(file, host) ?? file.credsStore;
      if (helper !== undefined) return yield* helperCredentials(this.sources, helper, helperServerUrl(host), path);
      const entry = findDockerEntry(file, host);
      return entry && (yield* entryCredentials(path, entry));
    });
  }
}

const parsed = (source: string, text: string): Effect.Effect<AuthFile, CredentialsError> =>
  Effect.suspend(() => {
    const label = source === DOCKER_AUTH_CONFIG ? `environment variable ${DOCKER_AUTH_CONFIG}` : source;
    const file = parseAuthFile(label, text, "docker");
    return file instanceof CredentialsError ? Effect.fail(file) : Effect.succeed(file);
  });
