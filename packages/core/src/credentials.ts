import * as Redacted from "effect/Redacted";

/** A username and a secret (password, robot secret, OIDC CLI secret) for one registry. */
export interface Credentials {
  readonly username: string;
  /** Wrapped so that logging, `String()` and `JSON.stringify` print `<redacted>`. */
  readonly password: Redacted.Redacted<string>;
}

/** Makes {@link Credentials} from plain strings. */
export const makeCredentials = (username: string, password: string): Credentials => ({
  username,
  password: Redacted.make(password, { label: "password" }),
});

/**
 * The plain password of `credentials`, for code that hands it to a tool (a promise-style strategy needs no
 * `effect` import for it). Pass it on through stdin, a file or a header, never argv or a message.
 */
export const passwordOf = (credentials: Credentials): string => Redacted.value(credentials.password);
