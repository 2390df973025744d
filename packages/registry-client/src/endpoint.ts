import { isIP } from "node:net";

/** The host part of `host[:port]` (brackets of an IPv6 literal removed). */
export const hostnameOf = (host: string): string => {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  const colon = host.lastIndexOf(":");
  return colon > 0 && !host.slice(0, colon).includes(":") ? host.slice(0, colon) : host;
};

/**
 * True for `localhost`, `127.0.0.0/8` and `::1`: addresses that never leave the machine. A name under
 * `.localhost` is not one: RFC 6761 says it should resolve to loopback, but glibc's resolver asks DNS for
 * it, so an answer from the network would decide where plain http and credentials go.
 */
export const isLoopbackHost = (host: string): boolean => {
  const name = hostnameOf(host).toLowerCase();
  if (name === "localhost") return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  if (isIP(name) === 6) return name === "::1" || name === "0:0:0:0:0:0:0:1";
  return false;
};

/**
 * The schemes tried for a registry, in order. https always comes first. Plain http is tried only when
 * the https attempt finds a server that does not speak TLS at all, and only if TLS verification was
 * explicitly turned off (`tls.verify: false`, like skopeo's `--dest-tls-verify=false`) or the registry
 * is on a loopback address (as Docker treats `127.0.0.0/8`). A certificate that fails verification
 * never falls back to http.
 */
export const candidateSchemes = (host: string, verify: boolean): ReadonlyArray<"https" | "http"> =>
  !verify || isLoopbackHost(host) ? ["https", "http"] : ["https"];
