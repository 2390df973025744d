import type * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type { Credentials } from "./credentials.js";
import type { PushError } from "./errors.js";

/** What a push needs credentials for. */
export interface CredentialsQuery {
  /** `host[:port]` of the registry. */
  readonly registry: string;
  /** The repository path, e.g. `project/app`. */
  readonly repository: string;
}

/**
 * Resolves credentials for a registry and repository. `undefined` means "no answer here": the next
 * provider in a chain is asked. Resources a provider creates for the push (an ephemeral robot account)
 * are tied to the `Scope` and released when the push ends, however it ends.
 */
export interface CredentialsProvider {
  /** Names the provider in errors and logs, e.g. `docker-config`. */
  readonly name: string;
  /** Answers with credentials, `undefined` when it has none, or a typed error (a malformed file). */
  resolve(query: CredentialsQuery): Effect.Effect<Credentials | undefined, PushError, Scope.Scope>;
}
