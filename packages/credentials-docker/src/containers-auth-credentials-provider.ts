import { join } from "node:path";
import * as Effect from "effect/Effect";
import { CredentialsError, type Credentials, type CredentialsProvider, type CredentialsQuery } from "@skopush/core";
import { parseAuthFile } from "./auth-file.js";
import { entryCredentials, findContainersEntry, findHelper, helperCredentials } from "./auth-lookup.js";
import { envValue, readTextFile, resolveSources, type CredentialsSourceOptions, type CredentialsSources } from "./credentials-sources.js";
import { namespaceKeys, normaliseDockerKey, normaliseRegistryHost } from "./registry-key.js";

/** Options of {@link ContainersAuthCredentialsProvider}. */
export interface ContainersAuthCredentialsProviderOptions extends CredentialsSourceOptions {
  /** One file to read instead of the search path, as `--authfile` does. @default $REGISTRY_AUTH_FILE */
  readonly authFile?: string | undefined;
}

/**
 * Reads what `skopeo login` / `podman login` wrote, as containers/image does: `REGISTRY_AUTH_FILE` alone
 * when set; otherwise `${XDG_RUNTIME_DIR}/containers/auth.json` (or `/run/containers/<uid>/auth.json`),
 * then `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`. The first file with a match wins; in a file,
 * `credHelpers[host]` comes first, then the most specific `auths` key (`host/proj/app`, `host/proj`, `host`).
 */
export class ContainersAuthCredentialsProvider implements CredentialsProvider {
  readonly name = "containers-auth";
  private readonly sources: CredentialsSources;
  private readonly authFile: string | undefined;

  constructor(options: ContainersAuthCredentialsProviderOptions = {}) {
    this.sources = resolveSources(options);
    this.authFile = options.authFile;
  }

  /** The files searched, in order. */
  get searchPath(): string[] {
    const env = this.sources.env;
    const explicit = this.authFile ?? envValue(env, "REGISTRY_AUTH_FILE");
    if (explicit !== undefined) return [explicit];
    const runtimeDir = envValue(env, "XDG_RUNTIME_DIR");
    const configHome = envValue(env, "XDG_CONFIG_HOME") ?? join(this.sources.homeDir, ".config");
    return [
      runtimeDir !== undefined ? join(runtimeDir, "containers", "auth.json") : `/run/containers/${this.sources.uid}/auth.json`,
      join(configHome, "containers", "auth.json"),
    ];
  }

  resolve(query: CredentialsQuery): Effect.Effect<Credentials | undefined, CredentialsError> {
    const host = normaliseRegistryHost(query.registry);
    const keys = namespaceKeys(host, query.repository);
    return Effect.gen({ self: this }, function* () {
      for (const path of this.searchPath) {
        const text = yield* readTextFile(this.sources, path);
        if (text === undefined) continue;
        const file = parseAuthFile(path, text, "containers");
        if (file instanceof CredentialsError) return yield* Effect.fail(file);
        // containers/image keys credHelpers by host only and asks the helper for the bare host.
        const helper = findHelper(file, host, normaliseDockerKey);
        const credentials =
          helper !== undefined
            ? yield* helperCredentials(this.sources, helper, host, path)
            : yield* Effect.suspend(() => {
                const entry = findContainersEntry(file, keys);
                return entry ? entryCredentials(path, entry) : Effect.succeed(undefined);
              });
        if (credentials) return credentials;
      }
      return undefined;
    });
  }
}
