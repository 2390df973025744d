/**
 * What the docker CLI needs from the environment skopush runs in: which daemon and how to reach it
 * (`DOCKER_HOST`, `DOCKER_CONTEXT`, TLS, `SSH_AUTH_SOCK` for `ssh://` hosts, proxies, `XDG_RUNTIME_DIR`
 * for rootless Docker), its configuration directory, where programs are, locale and time zone.
 */
export const DEFAULT_DOCKER_CLI_ENV: ReadonlyArray<string> = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "XDG_RUNTIME_DIR",
  "XDG_CONFIG_HOME",
  "SSH_AUTH_SOCK",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "DOCKER_HOST",
  "DOCKER_CONTEXT",
  "DOCKER_CONFIG",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS",
  "DOCKER_TLS_VERIFY",
  "DOCKER_API_VERSION",
  "DOCKER_CLI_EXPERIMENTAL",
  "DOCKER_CUSTOM_HEADERS",
];

/**
 * The environment the docker CLI runs with: only the `inherited` variables of `env`. Everything else is
 * withheld, so credentials in skopush's environment (`SKOPUSH_PASSWORD`, `HARBOR_PASSWORD`, a CI token,
 * `DOCKER_AUTH_CONFIG`) never reach a docker process, where any process of the same user (or root) could
 * read them in `/proc/<pid>/environ`.
 */
export const dockerCliEnvironment = (
  env: Readonly<Record<string, string | undefined>>,
  inherited: ReadonlyArray<string> = DEFAULT_DOCKER_CLI_ENV,
): Record<string, string> => {
  const kept: Record<string, string> = {};
  for (const name of inherited) {
    const value = env[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
};
