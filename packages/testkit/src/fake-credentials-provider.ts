import { Effect } from "effect";
import {
  makeCredentials,
  type Credentials,
  type CredentialsProvider,
  type CredentialsQuery,
  type PushError,
} from "@skopush/core";

/** What a {@link FakeCredentialsProvider} answers. */
export type FakeCredentialsAnswer =
  | { readonly username: string; readonly password: string }
  | undefined
  | ((query: CredentialsQuery) => { readonly username: string; readonly password: string } | undefined);

/**
 * A scriptable credentials provider: answers, fails with a given error, records every query, and
 * counts the scoped resources it hands out and releases (as an ephemeral robot account would).
 */
export class FakeCredentialsProvider implements CredentialsProvider {
  readonly queries: CredentialsQuery[] = [];
  acquired = 0;
  released = 0;

  constructor(
    readonly name: string,
    private readonly answer: FakeCredentialsAnswer,
    private readonly failure?: PushError,
  ) {}

  resolve(query: CredentialsQuery) {
    return Effect.acquireRelease(
      Effect.suspend(() => {
        this.queries.push(query);
        if (this.failure) return Effect.fail(this.failure);
        this.acquired++;
        const plain = typeof this.answer === "function" ? this.answer(query) : this.answer;
        return Effect.succeed<Credentials | undefined>(plain && makeCredentials(plain.username, plain.password));
      }),
      () => Effect.sync(() => void this.released++),
    );
  }
}
