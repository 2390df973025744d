import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createHash } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { rootCertificates } from "node:tls";

/** Which requests a misbehaviour applies to. */
export type RequestKind = "any" | "ping" | "blob-upload" | "manifest-put" | "manifest-get";

/**
 * What the server does with a matching request:
 * - `silent`: reads nothing, answers nothing, keeps the connection open.
 * - `stall`: reads `afterBytes` of the request body (all of it by default), then neither reads nor answers.
 * - `drip-response`: answers 200 with a long body sent one byte every `intervalMs`, forever.
 * - `drip-request-body`: reads the request body one byte every `intervalMs` (the upload crawls but moves).
 * - `cut-request-body`: reads `afterBytes` of the request body, then closes the connection.
 * - `cut-response-body`: forwards the request, sends the answer's headers and half its body, then closes.
 * - `web-page`: answers `200 text/html` with a page, like a web server in front of nothing.
 * - `wrong-digest`: forwards the request, but the answer's `Docker-Content-Digest` is replaced by `digest`.
 * - `rewrite-answer`: forwards the request, but answers with `status` (when given) and the answer's
 *   headers with `headers` merged in (e.g. a `Range` that lies about what an upload session holds).
        return;
 * - `claim-blob`: answers a blob HEAD 200 with its digest, as if the registry held it (it holds nothing).
 * - `keep-manifest`: reads a manifest PUT, keeps it in {@link MisbehavingRegistry.keptManifests} under the
 *   tag and under its digest, and answers 201 with its digest; nothing reaches the upstream.
 * - `echo-manifest`: answers a manifest GET or HEAD from the kept manifests (404 when none is kept).
 * - `redirect`: answers 307 with `Location: <to><the request's path and query>`, stores nothing.
 * - `huge-challenge`: answers 401 with a `WWW-Authenticate` of `bytes` bytes (64 KiB by default), more
 *   than an HTTP client takes.
 */
export type Misbehaviour =
  | { readonly kind: "silent" }
  | { readonly kind: "stall"; readonly afterBytes?: number | undefined }
  | { readonly kind: "drip-response"; readonly intervalMs?: number | undefined }
  | { readonly kind: "drip-request-body"; readonly intervalMs?: number | undefined }
  | { readonly kind: "cut-request-body"; readonly afterBytes?: number | undefined }
  | { readonly kind: "cut-response-body" }
  | { readonly kind: "web-page" }
  | { readonly kind: "wrong-digest"; readonly digest?: string | undefined }
  | { readonly kind: "claim-blob" }
  | { readonly kind: "keep-manifest" }
  | { readonly kind: "echo-manifest" }
  | { readonly kind: "redirect"; readonly to: string }
  | { readonly kind: "huge-challenge"; readonly bytes?: number | undefined }
  | { readonly kind: "rewrite-answer"; readonly status?: number | undefined; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: "too-many-requests"; readonly retryAfterSeconds?: number | undefined };

/** One rule: the first rule whose `when` matches a request decides; no match → the request is proxied. */
export interface MisbehaviourRule {
  readonly when: RequestKind | ((request: http.IncomingMessage) => boolean);
  readonly act: Misbehaviour;
  /** Apply to this many matching requests, then pass them through. @default Infinity */
  readonly times?: number | undefined;
}

/** Options of {@link startMisbehavingRegistry}. */
export interface MisbehavingRegistryOptions {
  /**
   * `http(s)://127.0.0.1:PORT` of a real registry that requests are proxied to (keeping `Host`, so its
   * upload `Location`s point back here). Without it the server emulates only `GET /v2/` (200 with the
   * API version header) and answers 404 to everything else.
   */
  readonly upstream?: string | undefined;
  /** CA of an https upstream. */
  readonly caFile?: string | undefined;
  /** Serve https with this certificate (e.g. the test environment's). Plain http without it. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Accept TCP connections and never say a byte, not even a TLS handshake. Rules are ignored. @default false */
  readonly silentOnAccept?: boolean | undefined;
  /** Where `keep-manifest` keeps and `echo-manifest` finds manifests; pass another server's to share them. @default a new map */
  readonly keptManifests?: Map<string, KeptManifest> | undefined;
  /** The initial rules; change them later with {@link MisbehavingRegistry.setRules}. @default [] */
  readonly rules?: ReadonlyArray<MisbehaviourRule> | undefined;
}

/** A manifest a `keep-manifest` rule took, by its path (`/v2/<name>/manifests/<tag or digest>`). */
export interface KeptManifest {
  readonly body: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

/** One request the server saw, and what it did with it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  /** The misbehaviour applied, or `proxy`/`emulate`. */
  readonly handling: Misbehaviour["kind"] | "proxy" | "emulate";
  /** Bytes of the request body the server read so far (what the client got across, cut bodies included). */
  bodyBytes: number;
}

/** A loopback registry that misbehaves on request; see {@link startMisbehavingRegistry}. */
export interface MisbehavingRegistry {
  /** `127.0.0.1:PORT`: the registry part of image references. */
  readonly host: string;
  readonly url: string;
  readonly requests: SeenRequest[];
  /** The manifests `keep-manifest` took, by path. */
  readonly keptManifests: Map<string, KeptManifest>;
  /** Connections accepted so far. */
  connections(): number;
  setRules(rules: ReadonlyArray<MisbehaviourRule>): void;
  /** Closes the listener and every connection, stalled ones included. */
  close(): Promise<void>;
}

/** The page a web server answers with. */
export const WEB_PAGE = "<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>\n";

/** A digest no archive has, used by `wrong-digest` unless the rule names one. */
export const FOREIGN_DIGEST = `sha256:${"e".repeat(64)}`;

const isBlobUpload = (req: http.IncomingMessage): boolean => {
  const path = req.url ?? "";
  if (!path.includes("/blobs/uploads/")) return false;
  if (req.method === "PATCH") return true;
  const length = Number(req.headers["content-length"] ?? 0);
  return req.method === "PUT" && (length > 0 || req.headers["transfer-encoding"] !== undefined);
};

/** Whether `req` is of `kind`. */
export const isRequestOfKind = (req: http.IncomingMessage, kind: RequestKind): boolean => {
  const path = (req.url ?? "").split("?")[0] ?? "";
  switch (kind) {
    case "any":
      return true;
    case "ping":
      return path === "/v2/" || path === "/v2";
    case "blob-upload":
      return isBlobUpload(req);
    case "manifest-put":
      return req.method === "PUT" && path.includes("/manifests/");
    case "manifest-get":
      return (req.method === "GET" || req.method === "HEAD") && path.includes("/manifests/");
  }
};

/**
 * Starts a registry on a free 127.0.0.1 port that, per rule, stays silent, stalls, drip-feeds, cuts the
 * connection, answers like a web page or lies about a manifest's digest, and otherwise proxies to a real
 * registry so a push gets as far as the stage under test.
 */
export const startMisbehavingRegistry = async (options: MisbehavingRegistryOptions = {}): Promise<MisbehavingRegistry> => {
  const upstream = options.upstream === undefined ? undefined : new URL(options.upstream);
  const upstreamAgent =
    upstream?.protocol === "https:"
      ? new https.Agent({ keepAlive: false, ca: options.caFile ? [...rootCertificates, readFileSync(options.caFile, "utf8")] : undefined })
      : new http.Agent({ keepAlive: false });
  let rules: Array<{ rule: MisbehaviourRule; left: number }> = [];
  const setRules = (next: ReadonlyArray<MisbehaviourRule>) => (rules = next.map((rule) => ({ rule, left: rule.times ?? Infinity })));
  setRules(options.rules ?? []);
  const requests: SeenRequest[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const kept = options.keptManifests ?? new Map<string, KeptManifest>();

  const every = (ms: number, tick: () => void) => {
    const timer = setInterval(tick, ms);
    timers.add(timer);
    return () => (clearInterval(timer), timers.delete(timer));
  };

  const forward = (req: http.IncomingMessage, onAnswer: (answer: http.IncomingMessage) => void, res: http.ServerResponse, body?: Buffer) => {
    if (upstream === undefined) {
      const ping = isRequestOfKind(req, "ping");
      const text = ping ? "{}" : '{"errors":[{"code":"NAME_UNKNOWN","message":"emulated registry holds nothing"}]}';
      const answer = () =>
        onAnswer(
          Object.assign(Readable.from([Buffer.from(text)]), {
            statusCode: ping ? 200 : 404,
            headers: { "content-type": "application/json", "content-length": String(text.length), "docker-distribution-api-version": "registry/2.0" },
          }) as unknown as http.IncomingMessage,
        );
      if (req.readableEnded) answer();
      else req.resume().once("end", answer);
      return;
    }
    const out = (upstream.protocol === "https:" ? https : http).request(
      new URL(req.url ?? "/", upstream),
      { method: req.method, headers: body === undefined ? req.headers : { ...req.headers, "transfer-encoding": undefined, "content-length": String(body.length) }, agent: upstreamAgent },
      onAnswer,
    );
    out.on("error", () => res.destroy());
    if (body === undefined) req.pipe(out);
    else out.end(body);
  };
  const pipeAnswer = (res: http.ServerResponse) => (answer: http.IncomingMessage) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  };

  const misbehave = (act: Misbehaviour, req: http.IncomingMessage, res: http.ServerResponse) => {
    switch (act.kind) {
      case "silent":
        req.pause();
        return;
      case "stall":
      case "cut-request-body": {
        const limit = act.afterBytes ?? (act.kind === "stall" ? Infinity : 0);
        let read = 0;
        const onData = (chunk: Buffer) => {
          read += chunk.length;
          if (read < limit) return;
          req.off("data", onData);
          req.pause();
          if (act.kind === "cut-request-body") req.socket.destroy();
        };
        if (limit === 0 && act.kind === "cut-request-body") req.socket.destroy();
        else req.on("data", onData);
        return;
      }
      case "drip-request-body": {
        req.pause();
        const parts: Buffer[] = [];
        const stop = every(act.intervalMs ?? 1000, () => {
          const byte = req.read(1) as Buffer | null;
          if (byte !== null) parts.push(byte);
        });
        req.once("end", () => {
          stop();
          forward(req, pipeAnswer(res), res, Buffer.concat(parts));
        });
        return;
      }
      case "drip-response": {
        req.resume();
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000000", "docker-distribution-api-version": "registry/2.0" });
        res.write("{");
        const stop = every(act.intervalMs ?? 1000, () => (res.destroyed ? stop() : res.write(" ")));
        return;
      }
      case "cut-response-body":
        forward(
          req,
          (answer) => {
            const chunks: Buffer[] = [];
            answer.on("data", (chunk: Buffer) => chunks.push(chunk));
            answer.on("end", () => {
              const body = Buffer.concat(chunks);
              const headers = { ...answer.headers, "content-length": String(Math.max(body.length, 2)) };
              delete headers["transfer-encoding"];
              res.writeHead(answer.statusCode ?? 502, headers);
              res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
            });
          },
          res,
        );
        return;
      case "web-page":
        req.resume();
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(WEB_PAGE) });
        res.end(req.method === "HEAD" ? undefined : WEB_PAGE);
        return;
      case "huge-challenge": {
        req.resume();
        const prefix = 'Basic realm="';
        const challenge = `${prefix}${"r".repeat(Math.max(0, (act.bytes ?? 64 * 1024) - prefix.length - 1))}"`;
        // Headers this large pass only Node's server-side writer: send the head by hand.
        res.socket?.end(`HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nDocker-Distribution-API-Version: registry/2.0\r\nWWW-Authenticate: ${challenge}\r\nConnection: close\r\n\r\n`);
        return;
      }
      case "too-many-requests": {
        req.resume();
        const body = '{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests"}]}';
        res.writeHead(429, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "docker-distribution-api-version": "registry/2.0",
          "retry-after": String(act.retryAfterSeconds ?? 1),
        });
        res.end(body);
        return;
      }
      case "rewrite-answer":
        forward(
          req,
          (answer) => {
            res.writeHead(act.status ?? answer.statusCode ?? 502, { ...answer.headers, ...act.headers });
            answer.pipe(res);
          },
          res,
        );
        return;
      case "claim-blob": {
        req.resume();
        const digest = (req.url ?? "").split("?")[0]?.split("/").pop() ?? "";
        res.writeHead(200, { "content-length": "1", "docker-content-digest": digest, "docker-distribution-api-version": "registry/2.0" });
        res.end(req.method === "HEAD" ? undefined : "x");
        return;
      }
      case "keep-manifest": {
        const parts: Buffer[] = [];
        req.on("data", (chunk: Buffer) => parts.push(chunk));
        req.on("end", () => {
          const body = Buffer.concat(parts);
          const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
          const path = (req.url ?? "").split("?")[0] ?? "";
          const manifest = { body, mediaType: req.headers["content-type"] ?? "application/json", digest };
          kept.set(path, manifest);
          kept.set(path.replace(/[^/]+$/, digest), manifest);
          res.writeHead(201, { "docker-content-digest": digest, location: path, "content-length": "0", "docker-distribution-api-version": "registry/2.0" });
          res.end();
        });
        return;
      }
      case "echo-manifest": {
        req.resume();
        const manifest = kept.get((req.url ?? "").split("?")[0] ?? "");
        if (manifest === undefined) {
          const body = '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}';
          res.writeHead(404, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "docker-distribution-api-version": "registry/2.0" });
          res.end(body);
          return;
        }
        res.writeHead(200, {
          "content-type": manifest.mediaType,
          "content-length": manifest.body.length,
          "docker-content-digest": manifest.digest,
          "docker-distribution-api-version": "registry/2.0",
        });
        res.end(req.method === "HEAD" ? undefined : manifest.body);
        return;
      }
      case "redirect":
        req.resume();
        res.writeHead(307, { location: `${act.to.replace(/\/$/, "")}${req.url ?? "/"}`, "content-length": "0" });
        res.end();
        return;
      case "wrong-digest":
        forward(
          req,
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "docker-content-digest": act.digest ?? FOREIGN_DIGEST });
            answer.pipe(res);
          },
          res,
        );
        return;
    }
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const entry = rules.find(({ rule, left }) => left > 0 && (typeof rule.when === "function" ? rule.when(req) : isRequestOfKind(req, rule.when)));
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const seen: SeenRequest = { method, path, handling: entry === undefined ? (upstream === undefined ? "emulate" : "proxy") : entry.rule.act.kind, bodyBytes: 0 };
    requests.push(seen);
    if (entry === undefined) forward(req, pipeAnswer(res), res);
    else {
      entry.left -= 1;
      misbehave(entry.rule.act, req, res);
    }
    // Counted after the handler chose flowing or paused, so counting never resumes a held body.
    if (["proxy", "emulate", "cut-request-body", "stall"].includes(seen.handling)) req.on("data", (chunk: Buffer) => (seen.bodyBytes += chunk.length));
  };

  const server: net.Server = options.silentOnAccept
    ? net.createServer()
    : options.tls
      ? https.createServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, handle)
      : http.createServer(handle);
  server.on("connection", (socket: net.Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? "https" : "http";
  return {
    host: `127.0.0.1:${port}`,
    url: `${scheme}://127.0.0.1:${port}`,
    requests,
    keptManifests: kept,
    connections: () => accepted,
    setRules,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        upstreamAgent.destroy();
      }),
  };
};
