import type { LookupFunction } from "node:net";
import type { AuthenticationFailed, PushTimeouts } from "@skopush/core";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { credentialsWithheld, mayCarryCredentials, type LoopbackCheck } from "../credentials-rule.js";
import { isLoopbackHost } from "../endpoint.js";
import { CertificatesUnreadable, makeAgents, type Agents, type TrustSettings } from "./agents.js";
import { sendRequest, type BodySourceError, type HttpRequest, type HttpResponse, type TransportError, type TransportTimeouts } from "./send-request.js";

/** How a client talks HTTP: every field has a default, see {@link resolveTransportOptions}. */
export interface TransportOptions {
  /** Time limits of each request; the one place later limits (first byte, stalled upload) join. */
  readonly timeouts?: Partial<TransportTimeouts> | undefined;
  /** Reuse connections between requests. @default true */
  readonly keepAlive?: boolean | undefined;
  /** Connections per host at once. @default Infinity */
  readonly maxSockets?: number | undefined;
  /** Sent as `User-Agent`. @default "skopush" */
  readonly userAgent?: string | undefined;
  /** Also trust the host's containers-certs.d(5) directories when no `certDir` is given. @default false */
  readonly systemCertDirs?: boolean | undefined;
  /** Resolves host names. @default Node's DNS lookup */
  readonly lookup?: LookupFunction | undefined;
  /** Which hosts never leave this machine, for the credentials rule. @default isLoopbackHost */
  readonly isLoopback?: LoopbackCheck | undefined;
}

/** {@link TransportOptions} with every default applied. */
export interface ResolvedTransportOptions {
  readonly timeouts: TransportTimeouts;
  readonly keepAlive: boolean;
  readonly maxSockets: number;
  readonly userAgent: string;
  readonly systemCertDirs: boolean;
  readonly lookup: LookupFunction | undefined;
  readonly isLoopback: LoopbackCheck;
}

/** Default time limits: 30 s to connect, 60 s for an answer to begin, 60 s without a byte moving. */
export const DEFAULT_TRANSPORT_TIMEOUTS: TransportTimeouts = { connectTimeoutMs: 30_000, responseTimeoutMs: 60_000, idleTimeoutMs: 60_000 };

/** The transport's limits for a push's {@link PushTimeouts} (the manifest's limit is per request). */
export const transportTimeoutsOf = (timeouts: PushTimeouts): TransportTimeouts => ({
  connectTimeoutMs: timeouts.connectMs,
  responseTimeoutMs: timeouts.responseMs,
  idleTimeoutMs: timeouts.stallMs,
});

/** Applies the defaults of {@link TransportOptions}. */
export const resolveTransportOptions = (options: TransportOptions = {}): ResolvedTransportOptions => ({
  timeouts: { ...DEFAULT_TRANSPORT_TIMEOUTS, ...options.timeouts },
  keepAlive: options.keepAlive ?? true,
  maxSockets: options.maxSockets ?? Infinity,
  userAgent: options.userAgent ?? "skopush",
  systemCertDirs: options.systemCertDirs ?? false,
  lookup: options.lookup,
  isLoopback: options.isLoopback ?? isLoopbackHost,
});

/** What one transport serves. */
export interface TransportSettings {
  /** `host[:port]` named in messages. */
  readonly registry: string;
  readonly trust: TrustSettings;
  readonly options: ResolvedTransportOptions;
}

/** `Authorization` for a request, and whose it is (for the message when it is withheld). */
export interface Authorization {
  readonly header: string;
  readonly username?: string | undefined;
}

/**
 * The bottom layer every skopush HTTP client stands on: connection pools with the TLS trust of the
 * settings, the time limits, the `User-Agent`, and the credentials rule. `Authorization` is never
 * part of a request's headers: it is handed to {@link Transport.send} apart, which sends it only where
 * {@link mayCarryCredentials} allows and otherwise fails before a byte leaves.
 */
export class Transport {
  private constructor(
    readonly settings: TransportSettings,
    private readonly agents: Agents,
  ) {}

  /** A transport whose sockets are closed when `scope` closes. */
  static scoped(settings: TransportSettings): Effect.Effect<Transport, CertificatesUnreadable, Scope.Scope> {
    return Effect.acquireRelease(Transport.make(settings), (transport) => Effect.sync(() => transport.close()));
  }

  /** A transport the caller closes (or that keeps no connection: `keepAlive: false`). */
  static make(settings: TransportSettings): Effect.Effect<Transport, CertificatesUnreadable> {
    return makeAgents({
      host: settings.registry,
      trust: settings.trust,
      systemCertDirs: settings.options.systemCertDirs,
      keepAlive: settings.options.keepAlive,
      maxSockets: settings.options.maxSockets,
      lookup: settings.options.lookup,
    }).pipe(Effect.map((agents) => new Transport(settings, agents)));
  }

  /** Whether credentials may go to `url` under the rule. */
  mayCarryCredentials(url: URL): boolean {
    return mayCarryCredentials(url, this.settings.trust, this.settings.options.isLoopback);
  }

  /** Sends one request, with `authorization` only where the credentials rule allows it. */
  send(request: HttpRequest, authorization?: Authorization): Effect.Effect<HttpResponse, TransportError | BodySourceError | AuthenticationFailed> {
    if (request.headers !== undefined && Object.keys(request.headers).some((name) => name.toLowerCase() === "authorization")) {
      return Effect.die(new TypeError("[skopush] Authorization goes through Transport.send's own argument, never in the headers"));
    }
    const headers: Record<string, string> = { "user-agent": this.settings.options.userAgent, ...request.headers };
    if (authorization !== undefined) {
      if (!this.mayCarryCredentials(request.url)) return Effect.fail(credentialsWithheld(this.settings.registry, request.url, authorization.username));
      headers["authorization"] = authorization.header;
    }
    return sendRequest(this.agents, this.settings.options.timeouts, { ...request, headers });
  }

  /** Closes every pooled connection. */
  close(): void {
    this.agents.destroy();
  }
}
