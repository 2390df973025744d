import * as Redacted from "effect/Redacted";

/** A username and a secret (password, robot secret, OIDC CLI secret) for one registry. */
export interface Credentials {
  readonly username: string;
  /** Wrapped so that logging, `String()` and `JSON.stringify` print `<redacted>`. */
  readonly password: Redacted.Redacted<string>;
  /** Where they came from, for messages: `SKOPUSH_USERNAME/SKOPUSH_PASSWORD`, `/home/ci/.docker/config.json`. */
  readonly source?: string | undefined;
}

/** Makes {@link Credentials} from plain strings. */
export const makeCredentials = (username: string, password: string, source?: string): Credentials => ({
  username,
  password: Redacted.make(password, { label: "password" }),
  ...(source === undefined ? {} : { source }),
});

/**
 * The plain password of `credentials`, for code that hands it to a tool (a promise-style strategy needs no
 * `effect` import for it). Pass it on through stdin, a file or a header, never argv or a message.
 */
export const passwordOf = (credentials: Credentials): string => Redacted.value(credentials.password);

/**
 * Why `username` cannot be sent with HTTP Basic authentication (RFC 7617), or undefined when it can: the
 * user-id is everything before the first `:` of `user:password`, so a `:` in it silently moves the rest
 * into the password, and control characters are not allowed at all. Never quotes what follows the `:`
 * (a `user:password` pasted into the username field would show the password).
 */
export const usernameProblem = (username: string): string | undefined => {
  const colon = username.indexOf(":");
  if (colon >= 0) {
    const before = username.slice(0, colon);
    return `contains ":"${before ? ` (after ${JSON.stringify(before)})` : " (first)"}, which HTTP Basic authentication cannot carry (RFC 7617): the registry would read ${before ? JSON.stringify(before) : "an empty name"} as the username and the rest as part of the password`;
  }
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(username);
  if (control) return `contains a control character (at position ${control.index + 1}), which HTTP Basic authentication does not allow (RFC 7617)`;
  return undefined;
};
