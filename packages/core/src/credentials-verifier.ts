import type * as Effect from "effect/Effect";
import type { Credentials } from "./credentials.js";
import type { AuthenticationFailed } from "./errors.js";
import type { TlsSettings } from "./push-request.js";

/** The credentials of a push that the registry denied, and how to reach that registry. */
export interface DeniedPush {
  /** `host[:port]` of the registry. */
  readonly registry: string;
  readonly credentials: Credentials;
  readonly tls: TlsSettings;
}

/**
 * Tells a wrong password from missing rights after a push was denied. A token registry such as Harbor
 * answers a push with a wrong password exactly as one without push rights (an anonymous token, then
 * "denied"), so `AccessDenied` alone cannot say which; asking the registry about the credentials alone
 * can. Registered under `CREDENTIALS_VERIFIER`; the `Pusher` asks every one when the chain ends in
 * `AccessDenied` for a push that had credentials.
 */
export interface CredentialsVerifier {
  /** `AuthenticationFailed` when the registry refuses the credentials; `undefined` when it accepts them or cannot tell. */
  refusal(push: DeniedPush): Effect.Effect<AuthenticationFailed | undefined>;
}
