import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An answer the scripted registry sends instead of its normal one. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The requests a scenario can intercept. */
export type RegistryStep = "ping" | "blob-head" | "upload-start" | "upload-chunk" | "upload-finish" | "manifest-put";

/** Returns an answer for a step to replace the registry's normal one; `undefined` keeps it. */
export type Script = (step: RegistryStep, request: IncomingMessage) => ScriptedAnswer | undefined;

/** `{"errors":[{code, message}]}`, the registry error body. */
export const errorBody = (code: string, message: string, detail: unknown = null): string =>
  JSON.stringify({ errors: [{ code, message, detail }] });

/** A running scripted registry. */
export interface ScriptedRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** Every request, as `METHOD path`. */
  readonly requests: string[];
  close(): Promise<void>;
}

const UPLOAD = /^\/v2\/(.+)\/blobs\/uploads\/([^/?]*)$/;
const BLOB = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/;
const MANIFEST = /^\/v2\/(.+)\/manifests\/([^/]+)$/;

/**
 * A small plain-HTTP registry on 127.0.0.1 that stores blobs and manifests in memory and lets a script
 * replace any answer: it makes real skopeo meet the answers Harbor gives (project not found, quota,
 * denied, manifest rejected, 5xx) so that what skopeo prints for them can be recorded.
 */
export const startScriptedRegistry = async (script: Script): Promise<ScriptedRegistry> => {
  const blobs = new Set<string>();
  const uploads = new Map<string, Buffer[]>();
  const requests: string[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const url = new URL(request.url ?? "/", "http://registry");
    const path = url.pathname;
    requests.push(`${request.method} ${path}`);
    const send = (answer: ScriptedAnswer) => {
      response.writeHead(answer.status, {
        "docker-distribution-api-version": "registry/2.0",
        ...(answer.body ? { "content-type": "application/json" } : {}),
        ...answer.headers,
      });
      response.end(request.method === "HEAD" ? undefined : answer.body);
    };
    const step = stepOf(request.method ?? "", path, url);
    const scripted = step && script(step, request);
    if (scripted) return send(scripted);

    if (path === "/v2/" || path === "/v2") return send({ status: 200, body: "{}" });
    const blob = BLOB.exec(path);
    if (blob && (request.method === "HEAD" || request.method === "GET")) {
      return blobs.has(blob[2] as string)
        ? send({ status: 200, headers: { "docker-content-digest": blob[2] as string, "content-length": "0" } })
        : send({ status: 404, body: errorBody("BLOB_UNKNOWN", "blob unknown to registry") });
    }
    const upload = UPLOAD.exec(path);
    if (upload && request.method === "POST") {
      const id = randomUUID();
      uploads.set(id, [body]);
      return send({ status: 202, headers: { location: `/v2/${upload[1]}/blobs/uploads/${id}`, range: "0-0", "docker-upload-uuid": id } });
    }
    if (upload && (request.method === "PATCH" || request.method === "PUT")) {
      const parts = uploads.get(upload[2] as string);
      if (!parts) return send({ status: 404, body: errorBody("BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry") });
      parts.push(body);
      const size = parts.reduce((n, part) => n + part.length, 0);
      if (request.method === "PATCH") {
        return send({ status: 202, headers: { location: `/v2/${upload[1]}/blobs/uploads/${upload[2]}`, range: `0-${Math.max(0, size - 1)}` } });
      }
      const digest = `sha256:${createHash("sha256").update(Buffer.concat(parts)).digest("hex")}`;
      uploads.delete(upload[2] as string);
      blobs.add(digest);
      return send({ status: 201, headers: { location: `/v2/${upload[1]}/blobs/${digest}`, "docker-content-digest": digest } });
    }
    const manifest = MANIFEST.exec(path);
    if (manifest && request.method === "PUT") {
      const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
      return send({ status: 201, headers: { location: `/v2/${manifest[1]}/manifests/${digest}`, "docker-content-digest": digest } });
    }
    if (manifest) return send({ status: 404, body: errorBody("MANIFEST_UNKNOWN", "manifest unknown") });
    return send({ status: 404, body: errorBody("NAME_UNKNOWN", "repository name not known to registry") });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const stepOf = (method: string, path: string, url: URL): RegistryStep | undefined => {
  if (path === "/v2/" || path === "/v2") return "ping";
  if (BLOB.test(path) && method === "HEAD") return "blob-head";
  if (UPLOAD.test(path)) {
    if (method === "POST") return "upload-start";
    if (method === "PATCH") return "upload-chunk";
    if (method === "PUT" && url.searchParams.has("digest")) return "upload-finish";
  }
  if (MANIFEST.test(path) && method === "PUT") return "manifest-put";
  return undefined;
};

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
