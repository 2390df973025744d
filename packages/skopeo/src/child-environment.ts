/**
 * What any child skopush starts needs from its environment: where programs and the home directory are,
 * who runs it, locale and time zone, the per-user runtime and configuration directories, and proxies.
 */
export const BASE_CHILD_ENV: ReadonlyArray<string> = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LC_ALL",
  "TZ",
  "XDG_RUNTIME_DIR",
  "XDG_CONFIG_HOME",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

/**
 * Only the `names` variables of `source`. Children get an allow-listed environment, so credentials in
 * skopush's own (`SKOPUSH_PASSWORD`, `HARBOR_PASSWORD`, a CI token, `DOCKER_AUTH_CONFIG`) never show in a
 * child's `/proc/<pid>/environ`, which any process of the same user (or root) can read.
 */
export const pickEnvironment = (
  source: Readonly<Record<string, string | undefined>>,
  names: ReadonlyArray<string>,
): Record<string, string> => {
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = source[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
};
