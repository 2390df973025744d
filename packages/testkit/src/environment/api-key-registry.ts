import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { rootCertificates } from "node:tls";
import type { RegistryEndpoint } from "./registry-client.js";

/** Where {@link startApiKeyRegistry} swaps an API key for a short-lived registry password. */
export const API_KEY_EXCHANGE_PATH = "/api/v1/registry-credentials";

/** Options of {@link startApiKeyRegistry}. */
export interface ApiKeyRegistryOptions {
  /** The real registry behind (URL, CA, its account); every `/v2/` request is forwarded to it. */
  readonly upstream: RegistryEndpoint;
  /** Serve HTTPS with this certificate (the environment's server certificate); plain HTTP without it. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** The API keys the exchange accepts. */
  readonly apiKeys: ReadonlyArray<string>;
  /** How long an issued password is accepted. @default 300000 */
  readonly passwordTtlMs?: number | undefined;
}

/** What the stand-in saw: exchanges and registry requests (never a key or a password). */
export interface ApiKeyRegistryRecords {
  readonly exchanges: Array<{ readonly accepted: boolean; readonly expiresInSeconds: number | undefined }>;
  readonly registryRequests: Array<{ readonly method: string; readonly path: string; readonly authorized: boolean }>;
}

/** A running {@link startApiKeyRegistry}. */
export interface ApiKeyRegistry extends ApiKeyRegistryRecords {
  /** `127.0.0.1:PORT`: the registry part of image references. */
  readonly host: string;
  readonly url: string;
  /** Makes every password issued so far expire now. */
  expireAll(): void;
  close(): Promise<void>;
}

interface IssuedPassword {
  readonly username: string;
  readonly password: Buffer;
  readonly expiresAt: number;
}

const UNAUTHORIZED = JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: null }] });

/**
 * A stand-in for a registry with its own token exchange, in front of a real test registry:
 * `POST /api/v1/registry-credentials` with `Authorization: Bearer <API key>` (and an optional JSON body
 * `{"expires_in_seconds": n}`) answers `{"username", "password", "expires_at"}`, a short-lived password;
 * `/v2/…` accepts Basic auth with such a password only (401 with a Basic challenge otherwise) and forwards
 * the request to the upstream registry with the upstream's own account. The `Host` header is kept, so
 * upload locations point back at the stand-in.
 */
export const startApiKeyRegistry = async (options: ApiKeyRegistryOptions): Promise<ApiKeyRegistry> => {
  const ttlMs = options.passwordTtlMs ?? 300_000;
  const issued: IssuedPassword[] = [];
  const exchanges: ApiKeyRegistryRecords["exchanges"] = [];
  const registryRequests: ApiKeyRegistryRecords["registryRequests"] = [];
  const upstream = new URL(options.upstream.url);
  const upstreamAuthorization = options.upstream.credentials
    ? `Basic ${Buffer.from(`${options.upstream.credentials.username}:${options.upstream.credentials.password}`).toString("base64")}`
    : undefined;
  const agent =
    upstream.protocol === "https:"
      ? new https.Agent({ keepAlive: false, ca: options.upstream.caFile ? [...rootCertificates, readFileSync(options.upstream.caFile, "utf8")] : undefined })
      : new http.Agent({ keepAlive: false });

  const sameSecret = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
  const keyAccepted = (authorization: string | undefined) => {
    const match = /^Bearer (.+)$/.exec(authorization ?? "");
    return match !== null && options.apiKeys.some((key) => sameSecret(Buffer.from(key), Buffer.from(match[1] as string)));
  };
  const passwordAccepted = (authorization: string | undefined) => {
    const match = /^Basic (.+)$/i.exec(authorization ?? "");
    if (match === null) return false;
    const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const [username, password] = [decoded.slice(0, colon), Buffer.from(decoded.slice(colon + 1))];
    const now = Date.now();
    return colon > 0 && issued.some((p) => p.username === username && p.expiresAt > now && sameSecret(p.password, password));
  };

  const exchange = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    let expiresInSeconds: number | undefined;
    try {
      const parsed = body.length > 0 ? (JSON.parse(body) as { expires_in_seconds?: unknown }) : {};
      expiresInSeconds = typeof parsed.expires_in_seconds === "number" ? parsed.expires_in_seconds : undefined;
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "the body is not JSON" }));
      return;
    }
    const accepted = keyAccepted(req.headers.authorization);
    exchanges.push({ accepted, expiresInSeconds });
    if (!accepted) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid API key" }));
      return;
    }
    const lifetime = Math.min(ttlMs, (expiresInSeconds ?? Number.POSITIVE_INFINITY) * 1000);
    const password = randomBytes(24).toString("base64url");
    const credentials = { username: `push-${randomBytes(4).toString("hex")}`, password: Buffer.from(password), expiresAt: Date.now() + lifetime };
    issued.push(credentials);
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({ username: credentials.username, password, expires_at: new Date(credentials.expiresAt).toISOString() }),
    );
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const authorized = passwordAccepted(req.headers.authorization);
    registryRequests.push({ method: req.method ?? "GET", path: req.url ?? "/", authorized });
    if (!authorized) {
      req.resume();
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="api-key-registry"', "docker-distribution-api-version": "registry/2.0" });
      res.end(UNAUTHORIZED);
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    if (upstreamAuthorization) headers.authorization = upstreamAuthorization;
    const out = (upstream.protocol === "https:" ? https : http).request(new URL(req.url ?? "/", upstream), { method: req.method, headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === API_KEY_EXCHANGE_PATH && req.method === "POST") {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => exchange(req, res, body));
      return;
    }
    if (path === "/v2" || path?.startsWith("/v2/")) {
      forward(req, res);
      return;
    }
    req.resume();
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
  };

  const server = options.tls
    ? https.createServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, handle)
    : http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    exchanges,
    registryRequests,
    expireAll: () => issued.splice(0, issued.length),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
};
