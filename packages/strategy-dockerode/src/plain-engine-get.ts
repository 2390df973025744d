import http from "node:http";
import type { DockerConnection } from "./docker-connection.js";

/** Where a plain `node:http` request reaches the daemon: a socket (or named pipe) path, or an http host and port. */
export type PlainEngineTarget = { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** An Engine API error as dockerode rejects with it: the HTTP status, and the daemon's `{ message }`. */
export interface EngineHttpError extends Error {
  readonly statusCode: number;
  readonly json?: { readonly message?: string } | undefined;
}

/**
 * The target of {@link plainEngineGet} for connections that need nothing but `node:http`: a local socket or
 * named pipe, or plain `http`. `undefined` for TLS and ssh, which go through dockerode.
 */
export const plainEngineTarget = (connection: DockerConnection): PlainEngineTarget | undefined => {
  const { socketPath, protocol, host, port } = connection.options;
  if (socketPath !== undefined) return { socketPath };
  if (protocol === "http" && host !== undefined) return { host, port: Number(port) };
  return undefined;
};

/**
 * `GET path` on the Engine API with `node:http` (one connection, closed after), answering the body. The
 * probe's first calls (ping, container inspect) use it, so a dead daemon or a missing container is reported
 * without loading dockerode. Failures reject as dockerode's do: connection errors with their `code`, HTTP
 * errors with `statusCode` and the daemon's `json.message`.
 */
export const plainEngineGet = (target: PlainEngineTarget, path: string, signal?: AbortSignal): Promise<string> =>
  new Promise((resolve, reject) => {
    const request = http.get({ ...target, path, signal, agent: false, headers: { Accept: "application/json" } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(body);
        let json: { message?: string } | undefined;
        try {
          json = JSON.parse(body) as { message?: string };
        } catch {
          json = undefined;
        }
        const message = json?.message ?? (body.trim() || `HTTP ${status}`);
        reject(Object.assign(new Error(`(HTTP code ${status}) ${message}`), { statusCode: status, json }) as EngineHttpError);
      });
    });
    request.on("error", reject);
  });
