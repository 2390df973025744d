import { normaliseRegistryHost } from "@skopush/core";

export { normaliseRegistryHost };

/** The name docker.io goes by in credential files; all its aliases normalise to it. */
export const DOCKER_HUB = "docker.io";
/** The key `docker login` writes for Docker Hub, and the server URL helpers are asked for it. */
export const DOCKER_HUB_LEGACY_KEY = "https://index.docker.io/v1/";

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/**
 * The registry a docker `config.json` key names: `https://host/v1/`, `http://host` and `host` all become
 * `host`, as docker's `ConvertToHostname` does, and Docker Hub's aliases become `docker.io`.
 */
export const normaliseDockerKey = (key: string): string => {
  const withoutScheme = key.trim().replace(SCHEME, "");
  const slash = withoutScheme.indexOf("/");
  return normaliseRegistryHost(slash >= 0 ? withoutScheme.slice(0, slash) : withoutScheme);
};

/**
 * The `host[/namespace…]` a containers `auth.json` key names. A key with a scheme is a legacy docker key
 * and names only its host (as containers/image reads it); a bare key keeps its namespace path.
 */
export const normaliseContainersKey = (key: string): string => {
  const trimmed = key.trim();
  if (SCHEME.test(trimmed)) return normaliseDockerKey(trimmed);
  const [host = "", ...path] = trimmed.replace(/\/+$/, "").split("/");
  return [normaliseRegistryHost(host), ...path].join("/");
};

/**
 * The keys an auth.json entry may have for `registry/repository`, most specific first:
 * `host/proj/app`, `host/proj`, `host`.
 */
export const namespaceKeys = (registry: string, repository: string): string[] => {
  const host = normaliseRegistryHost(registry);
  const parts = repository.split("/").filter((part) => part.length > 0);
  const keys: string[] = [];
  for (let n = parts.length; n > 0; n--) keys.push([host, ...parts.slice(0, n)].join("/"));
  keys.push(host);
  return keys;
};

/** The server URL a credential helper is asked about: Docker Hub's legacy key, else `host[:port]`. */
export const helperServerUrl = (registry: string): string => {
  const host = normaliseRegistryHost(registry);
  return host === DOCKER_HUB ? DOCKER_HUB_LEGACY_KEY : host;
};
