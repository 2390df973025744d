import http from "node:http";
import { redactSecrets, RegistryError, RegistryUnreachable, StrategyFailed, Timeout, TlsVerificationFailed, type PushError } from "@skopush/core";
import type { TransportError } from "../transport/send-request.js";
import { NOT_TLS_CODES, TLS_CERTIFICATE_CODES } from "./tls-error-codes.js";

/** What the transport classifier knows about a request that got no answer. Secrets are only used to redact. */
export interface TransportContext {
  /** `host[:port]` the client talks to. */
  readonly registry: string;
  /** What was being done, in words: `uploading a blob`, `Harbor ensureProject`. */
  readonly what: string;
  /** Names the failing part in `StrategyFailed` for a failure nobody recognises, e.g. `registry`. */
  readonly component: string;
  readonly username?: string | undefined;
  /** Removed from every message (password, tokens). */
  readonly secrets?: ReadonlyArray<string | undefined> | undefined;
}

/** The codes of a registry nobody answers at, in the words skopeo and curl use. */
const UNREACHABLE_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved now",
  EAI_FAIL: "the host name could not be resolved",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network is unreachable",
  EHOSTDOWN: "host is down",
  ENETDOWN: "network is down",
  EADDRNOTAVAIL: "cannot assign requested address",
};
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ETIMEDOUT", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET", "ERR_HTTP_REQUEST_TIMEOUT"]);

const timeoutOf = (detail: string): number => Number(/(\d+) ms/.exec(detail)?.[1] ?? 0);

/** Maps a request that got no answer (refused, reset, timed out, TLS) to the error vocabulary. */
export const classifyTransport = (context: TransportContext, error: TransportError): PushError => {
  const code = error.code;
  const detail = redactSecrets(error.detail, context.secrets ?? [], context.username);
  const { registry, what } = context;
  if (code !== undefined && TLS_CERTIFICATE_CODES.has(code)) {
    return new TlsVerificationFailed({ registry, reason: `${code}: ${detail}`, cause: error.cause });
  }
  if (error.timedOut) {
    return new Timeout({
      operation: `${what} at ${registry}`,
      afterMs: error.timeoutMs ?? timeoutOf(detail),
      stage: error.timeoutStage ?? (error.phase === "connect" ? "connect" : "stall"),
      detail,
    });
  }
  const words = code === undefined ? undefined : UNREACHABLE_WORDS[code];
  if (words !== undefined) {
    return new RegistryUnreachable({ registry, reason: `${what}: ${code}, ${words}`, cause: error.cause });
  }
  if (code !== undefined && NOT_TLS_CODES.has(code) && error.phase === "connect") {
    return new RegistryUnreachable({
      registry,
      reason: `the TLS handshake with ${error.url} failed while ${what} (${code}: ${detail}); is it plain http? If it really serves plain http, push with --insecure (tls.verify: false); a registry on this machine's loopback needs no flag`,
      cause: error.cause,
    });
  }
  if (code !== undefined && (RESET_CODES.has(code) || NOT_TLS_CODES.has(code))) {
    return new RegistryUnreachable({ registry, reason: `the connection broke while ${what} (${code}: ${detail})`, cause: error.cause });
  }
  if (code?.startsWith("ERR_SSL_") || code?.startsWith("ERR_TLS_")) {
    return new TlsVerificationFailed({ registry, reason: `${code}: ${detail}`, cause: error.cause });
  }
  if (code === "HPE_HEADER_OVERFLOW") {
    return new RegistryError({
      registry,
      reason: `the server answered with headers larger than this client accepts (over ${Math.round(http.maxHeaderSize / 1024)} KiB, e.g. an oversized WWW-Authenticate challenge) while ${what}; a registry does not send such headers: check the address, and any proxy in front of the registry`,
    });
  }
  if (code?.startsWith("HPE_")) {
    return new RegistryError({
      registry,
      reason: `the server's answer is not valid HTTP (${code}: ${detail}) while ${what}; check the address and any proxy in front of the registry`,
    });
  }
  if (code !== undefined && /^E[A-Z]+$/.test(code)) {
    return new RegistryUnreachable({ registry, reason: `${code} (${what}): ${detail}`, cause: error.cause });
  }
  return new StrategyFailed({ strategy: context.component, reason: `${what} at ${registry} failed: ${detail}`, cause: error.cause });
};
