import { existsSync } from "node:fs";
import { Agent } from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import { CERTIFICATE_FILE_MAX_BYTES, readConfigFileSync } from "@skopush/config-files";
import type { DockerOptions } from "dockerode";

/** Where the Docker Engine API is, and how to talk to it: dockerode's options, every key set. */
export interface DockerConnection {
  /** A human description for messages, e.g. `unix:///var/run/docker.sock` or `https://10.0.0.5:2376`. */
  readonly endpoint: string;
  /** Whether the daemon is on this machine (a socket or a named pipe), which sets the default ping timeout. */
  readonly local: boolean;
  readonly options: DockerOptions & { readonly agent?: Agent | undefined };
}

/** What {@link dockerConnectionFromEnv} may read besides the environment; tests pass fakes. */
export interface DockerConnectionHost {
  readonly platform: NodeJS.Platform;
  readonly homeDir: string;
  readonly exists: (path: string) => boolean;
  readonly readFile: (path: string) => Buffer;
}

const realHost = (): DockerConnectionHost => ({
  platform: process.platform,
  homeDir: homedir(),
  exists: existsSync,
  readFile: (path) => {
    // A regular file of at most 4 MiB: a named pipe here would block the process for good.
    const read = readConfigFileSync(path, { maxBytes: CERTIFICATE_FILE_MAX_BYTES });
    if (read.state === "read") return read.bytes;
    throw new DockerHostInvalid(`${path} ${read.state === "missing" ? "does not exist" : read.reason}; set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem`);
  },
});

/** Raised for a `DOCKER_HOST` (or TLS setting) that cannot be used; the message says which and why. */
export class DockerHostInvalid extends Error {
  override readonly name = "DockerHostInvalid";
}

// Every key is set, so that docker-modem's own reading of process.env (which it merges under the
// options) can never override the environment skopush was given.
const base: DockerConnection["options"] = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
  username: undefined,
  sshOptions: undefined,
  timeout: undefined,
  agent: undefined,
};

const defaultSocket = (host: DockerConnectionHost): string => {
  if (host.platform === "win32") return "//./pipe/docker_engine";
  // Docker Desktop (macOS, and Linux since 4.x) serves the user's socket when the system one is absent.
  const user = join(host.homeDir, ".docker", "run", "docker.sock");
  return !host.exists("/var/run/docker.sock") && host.exists(user) ? user : "/var/run/docker.sock";
};

/**
 * The Engine API connection the docker CLI would use for `env`: `DOCKER_HOST` as `unix://`, `npipe://`,
 * `tcp://` (or a bare `host:port`) or `ssh://`; TLS when `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is set
 * (any non-empty value), verifying the daemon's certificate against `ca.pem` only with
 * `DOCKER_TLS_VERIFY`, and presenting `cert.pem`/`key.pem` when present, all from `DOCKER_CERT_PATH`
 * (default `~/.docker`); `tcp://` without a port means 2376 with TLS, 2375 without. With no `DOCKER_HOST`,
 * the default socket. Docker contexts are not read: set `DOCKER_HOST`.
 */
export const dockerConnectionFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  host: DockerConnectionHost = realHost(),
): DockerConnection => {
  const raw = env.DOCKER_HOST?.trim() ?? "";
  if (raw === "") {
    const socketPath = defaultSocket(host);
    return { endpoint: host.platform === "win32" ? `npipe://${socketPath}` : `unix://${socketPath}`, local: true, options: { ...base, socketPath } };
  }
  if (raw.startsWith("unix://")) {
    const socketPath = raw.slice("unix://".length) || defaultSocket(host);
    return { endpoint: `unix://${socketPath}`, local: true, options: { ...base, socketPath } };
  }
  if (raw.startsWith("npipe://")) {
    const socketPath = raw.slice("npipe://".length) || "//./pipe/docker_engine";
    return { endpoint: `npipe://${socketPath}`, local: true, options: { ...base, socketPath } };
  }
  if (raw.startsWith("fd://")) throw new DockerHostInvalid(`DOCKER_HOST=${raw}: fd:// is only for the daemon itself; use unix:// or tcp://`);
  let url: URL;
  try {
    url = new URL(raw.includes("://") ? raw : `tcp://${raw}`);
  } catch {
    throw new DockerHostInvalid(`DOCKER_HOST=${raw} is not an address; expected unix:///path, tcp://host:port, ssh://user@host or npipe:////./pipe/name`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (hostname === "") throw new DockerHostInvalid(`DOCKER_HOST=${raw} names no host`);
  if (url.protocol === "ssh:") {
    return {
      endpoint: `ssh://${url.username ? `${url.username}@` : ""}${url.host}`,
      local: false,
      options: {
        ...base,
        protocol: "ssh",
        host: hostname,
        port: url.port || "22",
        username: url.username || undefined,
        sshOptions: { agent: env.SSH_AUTH_SOCK },
      },
    };
  }
  if (url.protocol !== "tcp:" && url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DockerHostInvalid(`DOCKER_HOST=${raw}: unsupported scheme ${url.protocol.replace(/:$/, "")}`);
  }
  const verify = (env.DOCKER_TLS_VERIFY ?? "") !== "";
  const tls = verify || (env.DOCKER_TLS ?? "") !== "" || url.protocol === "https:";
  const port = url.port || (tls ? "2376" : "2375");
  const endpoint = `${tls ? "https" : "http"}://${url.host.includes(":") && url.port ? url.host : `${url.host}:${port}`}`;
  if (!tls) return { endpoint, local: false, options: { ...base, protocol: "http", host: hostname, port } };
  const certDir = env.DOCKER_CERT_PATH?.trim() || join(host.homeDir, ".docker");
  const file = (name: string, required: boolean): Buffer | undefined => {
    const path = join(certDir, name);
    if (!host.exists(path)) {
      if (required) throw new DockerHostInvalid(`DOCKER_TLS_VERIFY is set but ${path} does not exist; set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem`);
      return undefined;
    }
    return host.readFile(path);
  };
  const ca = verify ? file("ca.pem", true) : undefined;
  const cert = file("cert.pem", false);
  const key = file("key.pem", false);
  // DOCKER_TLS without DOCKER_TLS_VERIFY encrypts without checking the daemon's certificate, as the CLI does.
  const agent = verify ? undefined : new Agent({ rejectUnauthorized: false, cert, key });
  return { endpoint, local: false, options: { ...base, protocol: "https", host: hostname, port, ca, cert, key, agent } };
};
