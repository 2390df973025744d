import { BASE_CHILD_ENV, pickEnvironment } from "@skopush/skopeo";

/**
 * What the docker CLI needs from the environment skopush runs in, beyond {@link BASE_CHILD_ENV}: which
 * daemon and how to reach it (`DOCKER_HOST`, `DOCKER_CONTEXT`, TLS, `SSH_AUTH_SOCK` for `ssh://` hosts),
 * its configuration directory, and its temporary directory.
 */
export const DEFAULT_DOCKER_CLI_ENV: ReadonlyArray<string> = [
  ...BASE_CHILD_ENV,
  "TMPDIR",
  "SSH_AUTH_SOCK",
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

/** The environment the docker CLI runs with: only the `inherited` variables of `env`. */
export const dockerCliEnvironment = (
  env: Readonly<Record<string, string | undefined>>,
  inherited: ReadonlyArray<string> = DEFAULT_DOCKER_CLI_ENV,
): Record<string, string> => pickEnvironment(env, inherited);
