import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";
import { SKOPUSH_DEBUG_CHANNEL, type DebugEntry } from "@skopush/core";

/** Options of {@link startDebugLog}. */
export interface DebugLogOptions {
  readonly write: (text: string) => void;
  /** @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** A request's address without its query (upload state, token scopes): `GET http://h/v2/x/blobs/uploads/…?…`. */
const describeRequest = (request: ClientRequest): string => {
  const path = request.path.includes("?") ? `${request.path.slice(0, request.path.indexOf("?"))}?…` : request.path;
  const host = request.getHeader("host") ?? request.host;
  return `${request.method} ${request.protocol}//${String(host)}${path}`;
};

/**
 * `--verbose`/`--debug`: writes, as they happen, skopush's decisions (strategies probed, chosen, falling
 * through; where the credentials came from; the skopeo command line) and every HTTP request this process
 * makes (registry, token service, Harbor's API, the Docker Engine API) with its answer. Nothing written
 * holds a secret: skopush publishes none, and requests are shown without headers or query. Returns the
 * function that stops it.
 */
export const startDebugLog = (options: DebugLogOptions): (() => void) => {
  const now = options.now ?? Date.now;
  const started = now();
  const requestStarts = new WeakMap<object, number>();
  const line = (topic: string, message: string) => options.write(`debug +${String(now() - started).padStart(5)} ms ${topic}: ${message}\n`);
  const onEntry = (message: unknown) => {
    const entry = message as DebugEntry;
    line(entry.topic, entry.message);
  };
  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    requestStarts.set(request, now());
    line("http", `${describeRequest(request)}`);
  };
  const onFinish = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const took = now() - (requestStarts.get(request) ?? now());
    line("http", `${describeRequest(request)} → ${response.statusCode} (${took} ms)`);
  };
  const onError = (message: unknown) => {
    const { request, error } = message as { request: ClientRequest; error: NodeJS.ErrnoException };
    line("http", `${describeRequest(request)} → ${error.code ?? error.name}`);
  };
  const subscriptions: ReadonlyArray<readonly [string, (message: unknown) => void]> = [
    [SKOPUSH_DEBUG_CHANNEL, onEntry],
    ["http.client.request.start", onStart],
    ["http.client.response.finish", onFinish],
    ["http.client.request.error", onError],
  ];
  for (const [name, handler] of subscriptions) subscribe(name, handler);
  return () => {
    for (const [name, handler] of subscriptions) unsubscribe(name, handler);
  };
};
