import * as Effect from "effect/Effect";
import { makeCredentials, type Credentials } from "./credentials.js";
import type { CredentialsProvider, CredentialsQuery } from "./credentials-provider.js";
import { CredentialsError } from "./errors.js";

type Environment = Readonly<Record<string, string | undefined>>;

const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** Lowercases a `host[:port]` and folds Docker Hub's aliases into `docker.io`. */
export const normaliseRegistryHost = (host: string): string => {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? "docker.io" : lower;
};

/** A variable's value; an empty one counts as unset. */
const envValue = (env: Environment, name: string): string | undefined => (env[name] === "" ? undefined : env[name]);

/** Options of {@link EnvironmentCredentialsProvider}. */
export interface EnvironmentCredentialsProviderOptions {
  /** Where the variables are read. @default process.env */
  readonly env?: Environment | undefined;
  /** Only answer for this `host[:port]`. @default every registry */
  readonly registry?: string | undefined;
  /** The variable pairs tried in order. @default SKOPUSH_USERNAME/SKOPUSH_PASSWORD, then HARBOR_USERNAME/HARBOR_PASSWORD */
  readonly variables?: ReadonlyArray<{ readonly username: string; readonly password: string }> | undefined;
}

/** The variable pairs {@link EnvironmentCredentialsProvider} reads by default, in order. */
export const DEFAULT_CREDENTIAL_VARIABLES = [
  { username: "SKOPUSH_USERNAME", password: "SKOPUSH_PASSWORD" },
  { username: "HARBOR_USERNAME", password: "HARBOR_PASSWORD" },
] as const;

/**
 * Answers with `SKOPUSH_USERNAME`/`SKOPUSH_PASSWORD`, else `HARBOR_USERNAME`/`HARBOR_PASSWORD` (empty
 * values count as unset). Half a pair is a `CredentialsError`: a push must not go out anonymous because
 * one variable was mistyped.
 */
export class EnvironmentCredentialsProvider implements CredentialsProvider {
  readonly name = "environment";
  private readonly env: Environment;
  private readonly registry: string | undefined;
  private readonly variables: ReadonlyArray<{ readonly username: string; readonly password: string }>;

  constructor(options: EnvironmentCredentialsProviderOptions = {}) {
    this.env = options.env ?? process.env;
    this.registry = options.registry === undefined ? undefined : normaliseRegistryHost(options.registry);
    this.variables = options.variables ?? DEFAULT_CREDENTIAL_VARIABLES;
  }

  resolve(query: CredentialsQuery): Effect.Effect<Credentials | undefined, CredentialsError> {
    return Effect.suspend(() => {
      if (this.registry !== undefined && this.registry !== normaliseRegistryHost(query.registry)) return Effect.succeed(undefined);
      for (const pair of this.variables) {
        const username = envValue(this.env, pair.username);
        const password = envValue(this.env, pair.password);
        if (username === undefined && password === undefined) continue;
        if (username === undefined || password === undefined) {
          const [set, unset] = username === undefined ? [pair.password, pair.username] : [pair.username, pair.password];
          return Effect.fail(
            new CredentialsError({
              source: "environment",
              reason: `${set} is set but ${unset} is not`,
              fix: `set both ${pair.username} and ${pair.password}, or neither`,
            }),
          );
        }
        return Effect.succeed(makeCredentials(username, password, `${pair.username}/${pair.password}`));
      }
      return Effect.succeed(undefined);
    });
  }
}
