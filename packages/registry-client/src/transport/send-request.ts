import http from "node:http";
import https from "node:https";
import type { Readable, Writable } from "node:stream";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import type { Agents } from "./agents.js";

/** HTTP methods the registry protocol uses. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A request body. `open` is called again whenever the request is sent again (redirect, new token). */
export interface HttpBody {
  readonly open: () => Readable | Uint8Array;
  /** Sent as `Content-Length`; without it the body goes with chunked transfer encoding. */
  readonly length?: number | undefined;
}

/** One HTTP request. No `Cookie` is ever sent, and none is stored. */
export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: HttpBody | undefined;
  /** Response bytes kept; a longer body is cut there and the connection closed. @default 65536 */
  readonly maxResponseBytes?: number | undefined;
  /** This request's own limit for the first answer (a manifest PUT the registry verifies at length). @default the transport's `responseTimeoutMs` */
  readonly responseTimeoutMs?: number | undefined;
  /**
   * Where a successful (2xx) answer's body goes as it arrives, with backpressure, instead of being kept
   * (the response's `body` is then empty): a blob read whole without holding it in memory. Opened when
   * such an answer begins; the request completes once the sink has finished. @default keep the body
   */
  readonly openBodySink?: (() => Writable) | undefined;
}

/** A response, its body read (up to `maxResponseBytes`). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The URL that answered. */
  readonly url: URL;
}

/** Where a request broke before a complete answer arrived. */
export type TransportPhase = "connect" | "exchange";

/**
 * Which time limit ran out: `connect` (no TCP connection, or no TLS handshake on one), `response` (the
 * request was sent and no answer began), `stall` (no byte moved either way while sending or reading).
 */
export type TimeoutStage = "connect" | "response" | "stall";

/** The request got no complete answer: refused, reset, timed out, TLS failed. */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly url: string;
  readonly method: HttpMethod;
  readonly code: string | undefined;
  readonly phase: TransportPhase;
  readonly timedOut: boolean;
  /** Which limit ran out, when `timedOut`. */
  readonly timeoutStage?: TimeoutStage | undefined;
  /** The limit that ran out, in ms, when `timedOut`. */
  readonly timeoutMs?: number | undefined;
  readonly detail: string;
  readonly cause: unknown;
}> {}

/** The request body's own stream failed (a file read error, or a layer found to lie about its digest). */
export class BodySourceError extends Data.TaggedError("BodySourceError")<{
  readonly url: string;
  readonly cause: unknown;
}> {}

/** Time limits of one request; each names its stage in the error when it runs out. */
export interface TransportTimeouts {
  /** To open the TCP connection and finish the TLS handshake. */
  readonly connectTimeoutMs: number;
  /** From the request sent in full to the first byte of the answer. */
  readonly responseTimeoutMs: number;
  /** Without a byte moving either way, once connected: a stalled upload or download. */
  readonly idleTimeoutMs: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends one request with node:http(s). A response that arrives while the body is still being sent
 * (a proxy's early 413) wins: the rest of the body is not sent. Interruption aborts the request and
 * destroys the body stream.
 */
export const sendRequest = (
  agents: Agents,
  timeouts: TransportTimeouts,
  request: HttpRequest,
): Effect.Effect<HttpResponse, TransportError | BodySourceError> =>
  Effect.callback<HttpResponse, TransportError | BodySourceError>((resume, signal) => {
    const isHttps = request.url.protocol === "https:";
    const headers: Record<string, string> = { ...request.headers };
    const body = request.body?.open();
    if (request.body?.length !== undefined) headers["content-length"] = String(request.body.length);
    else if (body instanceof Uint8Array) headers["content-length"] = String(body.length);
    else if (body === undefined && (request.method === "PUT" || request.method === "POST" || request.method === "PATCH")) {
      headers["content-length"] = "0";
    }
    let settled = false;
    let connected = false;
    let responded = false;
    let tcpConnected = false;
    let timedOut = false;
    let timeoutStage: TimeoutStage | undefined;
    let timeoutMs: number | undefined;
    let responseTimer: NodeJS.Timeout | undefined;
    const responseLimit = request.responseTimeoutMs ?? timeouts.responseTimeoutMs;
    const where = `${request.url.origin}${request.url.pathname}`;
    const bodyStream = body !== undefined && !(body instanceof Uint8Array) ? body : undefined;

    const finish = (effect: Effect.Effect<HttpResponse, TransportError | BodySourceError>) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      resume(effect);
    };
    const transportFailure = (cause: unknown) =>
      new TransportError({
        url: where,
        method: request.method,
        code: (cause as NodeJS.ErrnoException | undefined)?.code,
        phase: connected ? "exchange" : "connect",
        timedOut,
        timeoutStage,
        timeoutMs,
        detail: cause instanceof Error ? cause.message : String(cause),
        cause,
      });

    const req = (isHttps ? https : http).request(request.url, {
      method: request.method,
      headers,
      agent: isHttps ? agents.https : agents.http,
      signal,
    });

    const timeOut = (stage: TimeoutStage, ms: number, message: string) => {
      if (settled) return;
      timedOut = true;
      timeoutStage = stage;
      timeoutMs = ms;
      req.destroy(new Error(message));
      // Once answering, the request's own error is ignored: fail here, whatever the response stream does.
      if (responded) finish(Effect.fail(transportFailure(new Error(message))));
    };
    const connectTimer = setTimeout(
      () =>
        timeOut(
          "connect",
          timeouts.connectTimeoutMs,
          tcpConnected
            ? `connected to ${request.url.host}, but the TLS handshake got no answer within ${timeouts.connectTimeoutMs} ms`
            : `no connection to ${request.url.host} within ${timeouts.connectTimeoutMs} ms`,
        ),
      timeouts.connectTimeoutMs,
    );
    const watchForStall = () =>
      req.setTimeout(timeouts.idleTimeoutMs, () =>
        timeOut(
          "stall",
          timeouts.idleTimeoutMs,
          responded
            ? `the answer from ${request.url.host} stalled: no data for ${timeouts.idleTimeoutMs} ms`
            : `the ${request.method} to ${request.url.host} stalled: no progress for ${timeouts.idleTimeoutMs} ms`,
        ),
      );
    let sent = false;
    const onConnected = () => {
      connected = true;
      tcpConnected = true;
      clearTimeout(connectTimer);
      if (!sent) watchForStall();
    };
    req.on("socket", (socket) => {
      // A pooled socket is connected already; a new one is still connecting when it is assigned.
      if (!socket.connecting) return onConnected();
      if (isHttps) socket.once("connect", () => (tcpConnected = true));
      socket.once(isHttps ? "secureConnect" : "connect", onConnected);
    });
    // The request is sent in full: from here the server owes an answer.
    req.on("finish", () => {
      sent = true;
      if (responded) return;
      // Waiting for the answer is the response limit's; the stall watch resumes once it begins.
      req.setTimeout(0);
      responseTimer = setTimeout(
        () => timeOut("response", responseLimit, `${request.url.host} took the ${request.method} request but sent no answer within ${responseLimit} ms`),
        responseLimit,
      );
    });

    req.on("response", (res) => {
      responded = true;
      clearTimeout(responseTimer);
      watchForStall();
      const status = res.statusCode ?? 0;
      // An answer kept in memory is small (a manifest, a token, an error): it must end within the response
      // limit too, or a body sent a byte at a time (which the stall limit never sees) holds the push for ever.
      if (request.openBodySink === undefined || status < 200 || status >= 300) {
        responseTimer = setTimeout(
          () => timeOut("response", responseLimit, `${request.url.host} began answering the ${request.method} request but did not finish within ${responseLimit} ms`),
          responseLimit,
        );
      }
      if (request.openBodySink !== undefined && status >= 200 && status < 300) {
        const sink = request.openBodySink();
        const answered = { status, headers: res.headers, body: Buffer.alloc(0), url: request.url };
        sink.on("finish", () => finish(Effect.succeed(answered)));
        sink.on("error", (cause) => {
          req.destroy();
          finish(Effect.fail(transportFailure(cause)));
        });
        res.on("error", (cause) => {
          sink.destroy();
          finish(Effect.fail(transportFailure(cause)));
        });
        res.pipe(sink);
        return;
      }
      const limit = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on("data", (chunk: Buffer) => {
        const part = chunk.length + kept > limit ? chunk.subarray(0, limit - kept) : chunk;
        chunks.push(part);
        kept += part.length;
        if (kept >= limit && part.length < chunk.length) {
          // More than anything skopush reads (a manifest, a config, an error): stop the download.
          finish(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: request.url }));
          res.destroy();
          req.destroy();
        }
      });
      res.on("end", () => {
        // An early answer (the body was not fully sent): this connection cannot be reused.
        if (bodyStream !== undefined && !bodyStream.readableEnded) {
          bodyStream.unpipe(req);
          bodyStream.destroy();
          req.destroy();
        }
        finish(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: request.url }));
      });
      res.on("error", (cause) => finish(Effect.fail(transportFailure(cause))));
    });
    req.on("error", (cause) => {
      if (responded || signal.aborted) return;
      bodyStream?.destroy();
      finish(Effect.fail(transportFailure(cause)));
    });

    if (bodyStream === undefined) {
      req.end(body);
    } else {
      bodyStream.on("error", (cause) => {
        if (responded) return;
        req.destroy();
        finish(Effect.fail(new BodySourceError({ url: where, cause })));
      });
      bodyStream.pipe(req);
    }
    return Effect.sync(() => {
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      bodyStream?.destroy();
      req.destroy();
    });
  });
