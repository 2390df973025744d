import { AuthenticationFailed } from "@skopush/core";
import { isLoopbackHost } from "./endpoint.js";

/** Decides whether `host[:port]` never leaves this machine. */
export type LoopbackCheck = (host: string) => boolean;

/**
 * The one rule for credentials in clear: they may go over https, to a loopback host over plain http,
 * or over plain http anywhere the caller opted out of TLS verification for (`verify: false`). Every
 * request that carries credentials goes through `Transport.send`, which asks this rule first.
 */
export const mayCarryCredentials = (url: URL, tls: { readonly verify: boolean }, isLoopback: LoopbackCheck = isLoopbackHost): boolean =>
  url.protocol === "https:" || !tls.verify || isLoopback(url.host);

/** The error of a request whose credentials the rule withheld; nothing was sent. */
export const credentialsWithheld = (registry: string, url: URL, username: string | undefined): AuthenticationFailed =>
  new AuthenticationFailed({
    registry,
    username,
    reason: `${url.origin} is plain http; skopush does not send credentials there`,
    fix: "use https there (for a registry, configure its token realm with https), or opt out of TLS verification explicitly (verify: false, --insecure)",
  });
