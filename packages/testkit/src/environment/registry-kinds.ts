/**
 * The registries of the test environment. Each kind is one `docker-registry` process with its own config:
 * - `plain`: HTTP, no auth;
 * - `tls`: HTTPS with the test CA, no auth;
 * - `basic`: HTTPS with the test CA and htpasswd (bcrypt) Basic auth for a Harbor-like robot account;
 * - `token`: HTTPS with the test CA and token auth exactly as Harbor configures it (realm = the token
 *   service of the environment's HarborApiStandIn, service `harbor-registry`, issuer `harbor-token-issuer`).
 */
export type RegistryKind = "plain" | "tls" | "basic" | "token";

/** How clients reach and authenticate to a registry kind. */
export interface RegistryKindSpec {
  readonly scheme: "http" | "https";
  readonly auth: "none" | "htpasswd" | "token";
}

/** Every kind's transport and authentication. */
export const REGISTRY_KIND_SPECS: Readonly<Record<RegistryKind, RegistryKindSpec>> = {
  plain: { scheme: "http", auth: "none" },
  tls: { scheme: "https", auth: "none" },
  basic: { scheme: "https", auth: "htpasswd" },
  token: { scheme: "https", auth: "token" },
};

/** Every registry kind, in start order. */
export const REGISTRY_KINDS: ReadonlyArray<RegistryKind> = ["plain", "tls", "basic", "token"];

/** True when `value` names a registry kind. */
export const isRegistryKind = (value: unknown): value is RegistryKind =>
  typeof value === "string" && Object.hasOwn(REGISTRY_KIND_SPECS, value);
