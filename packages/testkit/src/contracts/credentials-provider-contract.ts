import { Cause, Effect, Exit, Redacted, Scope } from "effect";
import { describe, expect, it } from "vitest";
import { isPushError, type Credentials, type CredentialsProvider, type CredentialsQuery, type PushErrorTag } from "@skopush/core";

/** A provider under test, and how to tear down what was built for it. */
export interface ProviderUnderTest {
  readonly provider: CredentialsProvider;
  /** Removes temp dirs, servers… built for this provider. */
  readonly cleanup?: (() => Promise<void> | void) | undefined;
  /** The known query, when it depends on what `make` built (a server's port). @default options.known.query */
  readonly knownQuery?: CredentialsQuery | undefined;
}

/** How one adapter is held to the {@link CredentialsProvider} contract. */
export interface CredentialsProviderContractOptions {
  /** Names the suite, e.g. `DockerConfigCredentialsProvider`. */
  readonly name: string;
  /** Builds a provider that knows the credentials of {@link known}. */
  readonly make: () => Promise<ProviderUnderTest> | ProviderUnderTest;
  /** A query the provider answers, and the username (or its pattern) and password it must answer with. */
  readonly known: {
    readonly query?: CredentialsQuery | undefined;
    readonly username: string | RegExp;
    /** Omitted when the provider makes the secret itself (an ephemeral robot). */
    readonly password?: string | undefined;
  };
  /** A query the provider has no answer for (another registry). */
  readonly unknown: CredentialsQuery;
  /** Builds a misconfigured provider (a malformed file, half a variable pair) and the error tag it must fail with. */
  readonly misconfigured?: {
    readonly make: () => Promise<ProviderUnderTest> | ProviderUnderTest;
    readonly tag: PushErrorTag;
  };
  /**
   * Resources the provider acquires for a push (an ephemeral robot account): how many are alive now.
   * The contract checks it grows while the scope is open and returns to its earlier value when the
   * scope closes, however the push ends.
   */
  readonly liveResources?: (() => Promise<number> | number) | undefined;
}

const resolveIn = (provider: CredentialsProvider, query: CredentialsQuery, scope: Scope.Closeable) =>
  Effect.runPromiseExit(Scope.provide(provider.resolve(query), scope));

const withProvider = async <T>(
  make: () => Promise<ProviderUnderTest> | ProviderUnderTest,
  body: (provider: CredentialsProvider, knownQuery: CredentialsQuery | undefined) => Promise<T>,
): Promise<T> => {
  const built = await make();
  try {
    return await body(built.provider, built.knownQuery);
  } finally {
    await built.cleanup?.();
  }
};

/**
 * The behaviour every `CredentialsProvider` shares: a name; the right credentials, with the secret
 * redacted wherever they are printed; "no answer" (not an error) for a registry it does not know; a typed
 * error (never a defect) when misconfigured; and every resource released when the push's scope closes,
 * whether the push succeeded, failed or was interrupted.
 */
export const credentialsProviderContract = (options: CredentialsProviderContractOptions): void => {
  const resolveScoped = (provider: CredentialsProvider, query: CredentialsQuery) =>
    Effect.runPromiseExit(Effect.scoped(provider.resolve(query)));
  const knownQuery = (built: CredentialsQuery | undefined): CredentialsQuery => {
    const query = built ?? options.known.query;
    if (!query) throw new Error("credentialsProviderContract: give known.query or return knownQuery from make()");
    return query;
  };

  describe(`${options.name} (CredentialsProvider contract)`, () => {
    it("has a name", async () => {
      await withProvider(options.make, async (provider) => {
        expect(typeof provider.name).toBe("string");
        expect(provider.name.length).toBeGreaterThan(0);
      });
    });

    it("answers a query it knows with the expected credentials", async () => {
      await withProvider(options.make, async (provider, built) => {
        const exit = await resolveScoped(provider, knownQuery(built));
        expect(Exit.isSuccess(exit), String(exit)).toBe(true);
        const credentials = (exit as Exit.Success<Credentials | undefined>).value;
        expect(credentials).toBeDefined();
        if (typeof options.known.username === "string") expect(credentials?.username).toBe(options.known.username);
        else expect(credentials?.username).toMatch(options.known.username);
        const password = credentials && Redacted.value(credentials.password);
        if (options.known.password !== undefined) expect(password).toBe(options.known.password);
        else expect(password?.length).toBeGreaterThan(0);
      });
    });

    it("never prints the secret", async () => {
      await withProvider(options.make, async (provider, built) => {
        const exit = await resolveScoped(provider, knownQuery(built));
        const credentials = Exit.isSuccess(exit) ? exit.value : undefined;
        expect(credentials).toBeDefined();
        const secret = Redacted.value(credentials!.password);
        expect(JSON.stringify(credentials)).not.toContain(secret);
        expect(String(credentials?.password)).not.toContain(secret);
        expect(`${JSON.stringify({ credentials })} ${String(credentials?.password)}`).not.toContain(secret);
      });
    });

    it("has no answer (undefined, not an error) for a registry it knows nothing about", async () => {
      await withProvider(options.make, async (provider) => {
        const exit = await resolveScoped(provider, options.unknown);
        expect(Exit.isSuccess(exit), String(exit)).toBe(true);
        expect(Exit.isSuccess(exit) ? exit.value : "failed").toBeUndefined();
      });
    });

    if (options.misconfigured) {
      const misconfigured = options.misconfigured;
      it(`fails with a typed ${misconfigured.tag} (never a defect) when misconfigured, without leaking the secret`, async () => {
        await withProvider(misconfigured.make, async (provider, built) => {
          const exit = await resolveScoped(provider, knownQuery(built));
          expect(Exit.isFailure(exit)).toBe(true);
          const found = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined;
          expect(found?._tag, String(exit)).toBe("Some");
          const value: unknown = found?._tag === "Some" ? found.value : undefined;
          expect(isPushError(value)).toBe(true);
          expect((value as { _tag: string })._tag).toBe(misconfigured.tag);
          if (options.known.password) expect((value as Error).message).not.toContain(options.known.password);
        });
      });
    }

    if (options.liveResources) {
      const live = options.liveResources;
      it("releases what it acquired when the scope closes after a success", async () => {
        await withProvider(options.make, async (provider, built) => {
          const before = await live();
          const scope = Effect.runSync(Scope.make());
          const exit = await resolveIn(provider, knownQuery(built), scope);
          expect(Exit.isSuccess(exit), String(exit)).toBe(true);
          expect(await live(), "the provider acquired nothing while the scope was open").toBeGreaterThan(before);
          await Effect.runPromise(Scope.close(scope, Exit.void));
          expect(await live()).toBe(before);
        });
      });

      it("releases what it acquired when the push fails or is interrupted", async () => {
        await withProvider(options.make, async (provider, built) => {
          const query = knownQuery(built);
          const before = await live();
          const failed = await Effect.runPromiseExit(
            Effect.scoped(provider.resolve(query).pipe(Effect.andThen(Effect.fail("push failed" as const)))),
          );
          expect(Exit.isFailure(failed)).toBe(true);
          expect(await live()).toBe(before);
          const interrupted = await Effect.runPromiseExit(
            Effect.scoped(provider.resolve(query).pipe(Effect.andThen(Effect.interrupt))),
          );
          expect(Exit.isFailure(interrupted)).toBe(true);
          expect(await live()).toBe(before);
        });
      });
    }
  });
};
