import http from "node:http";

/** Where the Docker daemon listens, from `DOCKER_HOST`. */
export interface DockerEndpoint {
  /** As the user would write it: `unix:///var/run/docker.sock`, `tcp://127.0.0.1:2375`. */
  readonly host: string;
  readonly socketPath?: string | undefined;
  readonly hostname?: string | undefined;
  readonly port?: number | undefined;
}

/** The daemon `DOCKER_HOST` names, else the default socket; undefined for schemes this check cannot use (ssh://). */
export const dockerEndpoint = (env: Readonly<Record<string, string | undefined>>): DockerEndpoint | undefined => {
  const host = env.DOCKER_HOST?.trim() || "unix:///var/run/docker.sock";
  if (host.startsWith("unix://")) return { host, socketPath: host.slice("unix://".length) };
  const tcp = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (tcp?.[1]) return { host, hostname: tcp[1], port: Number(tcp[2] ?? 2375) };
  return undefined;
};

/** Answer of a GET to the Engine API. */
export interface EngineAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** GETs `path` from the Engine API; rejects with the connection error (ENOENT, ECONNREFUSED, a timeout). */
export const engineGet = (endpoint: DockerEndpoint, path: string, timeoutMs = 3000): Promise<EngineAnswer> =>
  new Promise((resolve, reject) => {
    const request = http.get(
      {
        socketPath: endpoint.socketPath,
        hostname: endpoint.hostname,
        port: endpoint.port,
        path,
        headers: { host: "docker" },
        timeout: timeoutMs,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: keep the text.
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
  });

/** Why a connection to the daemon failed, in words. */
export const describeConnectionError = (error: unknown, endpoint: DockerEndpoint): string => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `no Docker daemon socket at ${endpoint.socketPath ?? endpoint.host}`;
  if (code === "EACCES") return `no permission to use ${endpoint.socketPath ?? endpoint.host} (add the user to the docker group)`;
  if (code === "ECONNREFUSED") return `nothing listens at ${endpoint.host}`;
  return `${endpoint.host}: ${(error as Error).message}`;
};
