import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { Transform, type TransformCallback } from "node:stream";
import { rootCertificates } from "node:tls";

/** One request the proxy saw. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly contentLength: number | undefined;
  readonly contentRange: string | undefined;
  readonly authorization: boolean;
  /** Body bytes received. */
  bodyBytes: number;
  /** The status answered (0 when the connection was cut). */
  status: number;
}

/** Options of {@link startRegistryProxy}. */
export interface RegistryProxyOptions {
  /** `http(s)://127.0.0.1:PORT` of the registry behind. */
  readonly upstream: string;
  /** CA of an https upstream. */
  readonly caFile?: string | undefined;
  /** Serve https with this certificate (for an https upstream). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Like nginx's `client_max_body_size`: blob upload bodies (PUT/PATCH) larger than this get 413 with an HTML page. */
  readonly maxBodyBytes?: number | undefined;
  /** Request bodies are forwarded at most this fast, in bytes per second. */
  readonly bodyBytesPerSecond?: number | undefined;
}

/** A loopback reverse proxy in front of a test registry that records requests and can play nginx. */
export interface RegistryProxy {
  /** `127.0.0.1:PORT`: the registry part of image references through the proxy. */
  readonly host: string;
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Requests that sent blob data: PATCH, or PUT to an upload URL with a body. */
  blobUploads(): ProxiedRequest[];
  close(): Promise<void>;
}

class Throttle extends Transform {
  private readonly started = Date.now();
  private sent = 0;
  constructor(private readonly rate: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sent += chunk.length;
    const due = this.started + (this.sent / this.rate) * 1000;
    setTimeout(() => callback(null, chunk), Math.max(0, due - Date.now()));
  }
}

const TOO_LARGE_PAGE =
  "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/**
 * Starts a proxy on a free loopback port. It keeps the `Host` header, so the registry writes upload
 * `Location`s that point back at the proxy, as a real reverse proxy configured for a registry does.
 */
export const startRegistryProxy = async (options: RegistryProxyOptions): Promise<RegistryProxy> => {
  const upstream = new URL(options.upstream);
  const requests: ProxiedRequest[] = [];
  const upstreamAgent =
    upstream.protocol === "https:"
      ? new https.Agent({ keepAlive: false, ca: options.caFile ? [...rootCertificates, readFileSync(options.caFile, "utf8")] : undefined })
      : new http.Agent({ keepAlive: false });

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const length = req.headers["content-length"] === undefined ? undefined : Number(req.headers["content-length"]);
    const record: ProxiedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      contentLength: length,
      contentRange: req.headers["content-range"] as string | undefined,
      authorization: req.headers.authorization !== undefined,
      bodyBytes: 0,
      status: 0,
    };
    requests.push(record);
    const limited = options.maxBodyBytes !== undefined && (req.method === "PUT" || req.method === "PATCH") && record.path.includes("/blobs/uploads/");
    const refuse = () => {
      record.status = 413;
      req.resume(); // read and drop the rest, as nginx's lingering close does
      res.writeHead(413, { "content-type": "text/html", "content-length": Buffer.byteLength(TOO_LARGE_PAGE) });
      res.end(TOO_LARGE_PAGE);
    };
    if (limited && length !== undefined && length > (options.maxBodyBytes as number)) {
      refuse();
      return;
    }
    const forward = (body: Buffer | undefined) => {
      const headers = { ...req.headers };
      if (body !== undefined) {
        delete headers["transfer-encoding"];
        headers["content-length"] = String(body.length);
      }
      const out = (upstream.protocol === "https:" ? https : http).request(
        new URL(req.url ?? "/", upstream),
        { method: req.method, headers, agent: upstreamAgent },
        (answer) => {
          record.status = answer.statusCode ?? 0;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      // The registry is gone: cut the client's connection, as a proxy whose upstream reset does.
      out.on("error", () => res.destroy());
      if (body !== undefined) out.end(body);
      else {
        const counted = req.on("data", (chunk: Buffer) => (record.bodyBytes += chunk.length));
        if (options.bodyBytesPerSecond !== undefined) counted.pipe(new Throttle(options.bodyBytesPerSecond)).pipe(out);
        else counted.pipe(out);
      }
    };
    if (!limited) {
      forward(undefined);
      return;
    }
    // A chunked body of unknown size: buffer up to the limit, refuse beyond it (nginx counts as it reads).
    const parts: Buffer[] = [];
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      record.bodyBytes += chunk.length;
      if (refused) return;
      parts.push(chunk);
      if (record.bodyBytes > (options.maxBodyBytes as number)) {
        refused = true;
        refuse();
      }
    });
    req.on("end", () => {
      if (!refused) forward(Buffer.concat(parts));
    });
  };

  const server = options.tls
    ? https.createServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, handle)
    : http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? "https" : "http";
  return {
    host: `127.0.0.1:${port}`,
    url: `${scheme}://127.0.0.1:${port}`,
    requests,
    blobUploads: () =>
      requests.filter((r) => r.method === "PATCH" || (r.method === "PUT" && r.path.includes("/blobs/uploads/") && (r.contentLength ?? r.bodyBytes) > 0)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        upstreamAgent.destroy();
      }),
  };
};
