import http from "node:http";
import https from "node:https";
import { Data, Effect } from "effect";
import type { HarborAgents } from "./harbor-tls.js";

/** One HTTP request; headers are sent as given, and never a `Cookie`. */
export interface HttpRequest {
  readonly method: "GET" | "HEAD" | "POST" | "PUT" | "DELETE";
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: string | undefined;
  readonly timeoutMs: number;
}

/** A complete response, its body read (up to {@link MAX_BODY_BYTES}). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** The request never got an answer: refused, reset, timed out, or TLS failed. */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly url: string;
  readonly code: string | undefined;
  readonly timedOut: boolean;
  readonly cause: unknown;
}> {}

/** Larger bodies are cut: Harbor's JSON answers are small, and nothing here needs more. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Sends one request with node:http(s); interruption aborts it. */
export const httpRequest = (agents: HarborAgents, request: HttpRequest): Effect.Effect<HttpResponse, TransportError> =>
  Effect.callback<HttpResponse, TransportError>((resume, signal) => {
    const isHttps = request.url.protocol === "https:";
    const transport = isHttps ? https : http;
    let timedOut = false;
    const headers: Record<string, string> = { "user-agent": "skopush", ...request.headers };
    if (request.body !== undefined) headers["content-length"] = String(Buffer.byteLength(request.body));
    const req = transport.request(
      request.url,
      { method: request.method, headers, agent: isHttps ? agents.https : agents.http, signal, timeout: request.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", () =>
          resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") })),
        );
        res.on("error", (cause) => resume(Effect.fail(transportError(request, cause, timedOut))));
      },
    );
    req.on("timeout", () => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${request.timeoutMs} ms`));
    });
    req.on("error", (cause) => {
      if (!signal.aborted) resume(Effect.fail(transportError(request, cause, timedOut)));
    });
    req.end(request.body);
  });

const transportError = (request: HttpRequest, cause: unknown, timedOut: boolean) =>
  new TransportError({ url: request.url.origin + request.url.pathname, code: (cause as NodeJS.ErrnoException).code, timedOut, cause });
