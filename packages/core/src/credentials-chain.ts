import * as Effect from "effect/Effect";
import { injectable, injectAll } from "tsyringe";
import type { Credentials } from "./credentials.js";
import type { CredentialsProvider, CredentialsQuery } from "./credentials-provider.js";
import { publishDebug } from "./debug-channel.js";
import { CREDENTIALS_PROVIDER } from "./tokens.js";

/** Asks providers in order; the first that answers with credentials wins. No provider, no credentials. */
@injectable()
export class CredentialsChain implements CredentialsProvider {
  readonly name = "chain";
  readonly providers: ReadonlyArray<CredentialsProvider>;

  constructor(@injectAll(CREDENTIALS_PROVIDER, { isOptional: true }) providers?: ReadonlyArray<CredentialsProvider>) {
    this.providers = [...(providers ?? [])];
  }

  resolve(query: CredentialsQuery) {
    return Effect.gen({ self: this }, function* () {
      for (const provider of this.providers) {
        const credentials: Credentials | undefined = yield* provider.resolve(query);
        if (credentials !== undefined) {
          publishDebug("credentials", () => `credentials for ${query.registry}: user ${credentials.username}, from ${credentials.source ?? provider.name}`);
          return credentials;
        }
      }
      publishDebug("credentials", () => `no credentials for ${query.registry} (asked: ${this.providers.map((p) => p.name).join(", ") || "no provider"}): pushing anonymously`);
      return undefined;
    });
  }
}

/** Answers with fixed credentials, optionally only for one registry host. */
export class StaticCredentialsProvider implements CredentialsProvider {
  readonly name = "static";

  constructor(
    private readonly credentials: Credentials,
    /** Only answer for this `host[:port]`; every registry when absent. */
    private readonly registry?: string,
  ) {}

  resolve(query: CredentialsQuery) {
    return Effect.succeed(this.registry === undefined || this.registry === query.registry ? this.credentials : undefined);
  }
}
