import { isIP } from "node:net";
import { EnvironmentFault, type PushError } from "@skopush/core";
import { usesHostNetwork, type ContainerFacts } from "./container-facts.js";

/** The host part of `host[:port]` or `[v6]:port`. */
const hostOf = (registry: string): string => {
  const v6 = /^\[([^\]]+)\]/.exec(registry);
  if (v6) return v6[1]!;
  return registry.replace(/:\d+$/, "");
};

/** True when `registry` (`host[:port]`) names this machine's loopback: `localhost`, 127.0.0.0/8 or ::1. */
export const isLoopbackRegistry = (registry: string): boolean => {
  const host = hostOf(registry).toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "0:0:0:0:0:0:0:1";
};

/**
 * A registry on this machine's loopback cannot be reached from a container that is not on the host
 * network: inside it, 127.0.0.1 is the container itself. A connection failure in that situation says
 * nothing about the registry, so it becomes an `EnvironmentFault` (the chain moves on to a host-side
 * strategy) instead of `RegistryUnreachable` (which stops the chain). Other errors pass through.
 */
export const reclassifyForContainerNetwork = (
  error: PushError,
  facts: Pick<ContainerFacts, "name" | "networkMode">,
  strategy: string,
  registry: string,
): PushError => {
  if (error._tag !== "RegistryUnreachable" || !isLoopbackRegistry(registry) || usesHostNetwork(facts as ContainerFacts)) return error;
  return new EnvironmentFault({
    strategy,
    reason: `container ${facts.name} is on the ${JSON.stringify(facts.networkMode)} network, where ${hostOf(registry)} is the container itself, not this machine, so it cannot reach the registry ${registry} (${error.reason})`,
    fix: `recreate the container with --network host, or push to an address of this machine that the container can reach (and that the registry's certificate names)`,
    cause: error,
  });
};
