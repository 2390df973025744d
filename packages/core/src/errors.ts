import type * as Cause from "effect/Cause";
import * as Data from "effect/Data";
import type * as Types from "effect/Types";
import type { Attempt } from "./attempt.js";
import { isRetryableError, PUSH_ERROR_TABLE } from "./error-table.js";
import { settingPhrase } from "./setting-phrases.js";

/**
 * The error vocabulary of skopush. Every adapter maps its native failures (an execa error, skopeo's
 * stderr, a dockerode HTTP error, a registry's `{errors:[…]}` body) to these classes in its own
 * `classify-error.ts`. Handle them by `_tag`; messages are written for the person running the push and
 * never contain secrets.
 */

const suffix = (fix: string | undefined): string => (fix ? `. Fix: ${fix}` : "");

/** What every push error has beyond its fields. */
interface PushErrorMembers {
  /** The message without its `[skopush]` (and `[strategy]`) prefix: what an attempt's `reason` shows. */
  readonly summary: string;
  /** Whether trying again may succeed, from {@link PUSH_ERROR_TABLE}. */
  readonly isRetryable: boolean;
}

/** `Data.TaggedError(tag)` with the members every push error shares. */
type PushErrorClass<Tag extends string> = new <A extends Record<string, any> = {}>(
  args: Types.VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P] }>,
) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<A> & PushErrorMembers;

/**
 * The base of each push error: its message is `[skopush] ` (then `[strategy] ` for errors of one
 * strategy) before the class's `summary`, written once; `isRetryable` comes from the error table.
 */
const PushErrorBase = <Tag extends string>(tag: Tag): PushErrorClass<Tag> => {
  class Base extends Data.TaggedError(tag)<Record<string, unknown>> {
    get summary(): string {
      return tag;
    }
    override get message(): string {
      const strategy = this["strategy"];
      return typeof strategy === "string" ? `[skopush] [${strategy}] ${this.summary}` : `[skopush] ${this.summary}`;
    }
    get isRetryable(): boolean {
      return isRetryableError(this as unknown as PushError);
    }
  }
  return Base as unknown as PushErrorClass<Tag>;
};

/** The strategy cannot run on this machine right now (binary missing, daemon down, container stopped). */
export class StrategyUnavailable extends PushErrorBase("StrategyUnavailable")<{
  readonly strategy: string;
  readonly reason: string;
  readonly fix?: string | undefined;
  readonly cause?: unknown;
}> {
  override get summary(): string {
    return `unavailable: ${this.reason}${suffix(this.fix)}`;
  }
}

/** The environment failed under a running push (daemon gone, binary vanished, container stopped). */
export class EnvironmentFault extends PushErrorBase("EnvironmentFault")<{
  readonly strategy: string;
  readonly reason: string;
  readonly fix?: string | undefined;
  readonly cause?: unknown;
}> {
  override get summary(): string {
    return `environment fault: ${this.reason}${suffix(this.fix)}`;
  }
}

/** Which part of an image reference is wrong. */
export type ReferencePart = "reference" | "registry" | "repository" | "project" | "tag" | "digest";

/** How to write each part of a reference, for the message of {@link InvalidReference}. */
const REFERENCE_FIXES: Readonly<Record<ReferencePart, string>> = {
  reference: "write it as host[:port]/project/repository:tag, e.g. harbor.example.com/team/app:1.4",
  registry: "write the registry as host[:port], a Harbor URL as https://host[:port] without a path",
  repository: "use lower-case letters and digits, separated by '.', '_', '__' or '-', with '/' between components",
  project: "use a Harbor project name: lower-case letters and digits, separated by '.', '_' or '-'",
  tag: "use at most 128 letters, digits, '_', '.' and '-', starting with a letter, a digit or '_'",
  digest: "write it as sha256: followed by 64 hex digits (sha384: 96, sha512: 128)",
};

/** An image reference (or a Harbor URL, project, repository or tag) that the distribution grammar rejects. */
export class InvalidReference extends PushErrorBase("InvalidReference")<{
  readonly input: string;
  readonly part: ReferencePart;
  readonly reason: string;
  /** What to write instead, when the parser knows better than the part's general rule. */
  readonly fix?: string | undefined;
}> {
  override get summary(): string {
    return `invalid image reference ${JSON.stringify(this.input)}: ${this.part} ${this.reason}${suffix(this.fix ?? REFERENCE_FIXES[this.part])}`;
  }
}

/** The image archive is missing, unreadable, malformed or hostile. */
export class ArchiveInvalid extends PushErrorBase("ArchiveInvalid")<{
  readonly path: string;
  readonly reason: string;
  readonly fix?: string | undefined;
  readonly cause?: unknown;
}> {
  override get summary(): string {
    return `archive ${this.path}: ${this.reason}${suffix(this.fix)}`;
  }
}

/** The registry refused the credentials (wrong password, unknown user, expired or disabled robot). */
export class AuthenticationFailed extends PushErrorBase("AuthenticationFailed")<{
  readonly registry: string;
  readonly username?: string | undefined;
  readonly reason: string;
  readonly fix?: string | undefined;
  /** Where the refused credentials came from (`SKOPUSH_USERNAME/SKOPUSH_PASSWORD`, an auth file), when known. */
  readonly credentialsSource?: string | undefined;
}> {
  override get summary(): string {
    const user = this.username === undefined ? "anonymous access" : `user ${JSON.stringify(this.username)}`;
    const who = this.credentialsSource === undefined ? user : `${user} (credentials from ${this.credentialsSource})`;
    return `authentication to ${this.registry} failed for ${who}: ${this.reason}${suffix(
      this.fix ?? "check the username and password; a Harbor robot logs in with its full name, e.g. robot$project+name",
    )}`;
  }
}

/** Authenticated, but not allowed to push (or pull) this repository. */
export class AccessDenied extends PushErrorBase("AccessDenied")<{
  readonly registry: string;
  readonly repository: string;
  readonly reason: string;
  readonly fix?: string | undefined;
}> {
  override get summary(): string {
    return `access to ${this.registry}/${this.repository} denied: ${this.reason}${suffix(
      this.fix ?? "grant the account push and pull on the project",
    )}`;
  }
}

/** The Harbor project (first path component) does not exist. */
export class ProjectNotFound extends PushErrorBase("ProjectNotFound")<{
  readonly registry: string;
  readonly project: string;
  readonly fix?: string | undefined;
}> {
  override get summary(): string {
    return `project ${JSON.stringify(this.project)} not found on ${this.registry}${suffix(
      this.fix ?? "create it in Harbor, or push with ensureProject (--ensure-project) to create it",
    )}`;
  }
}

/** The registry refused the push because a storage quota would be exceeded. */
export class QuotaExceeded extends PushErrorBase("QuotaExceeded")<{
  readonly registry: string;
  readonly detail: string;
}> {
  override get summary(): string {
    return `quota exceeded on ${this.registry}: ${this.detail}. Fix: raise the project quota or delete unused artifacts`;
  }
}

/** The registry's certificate could not be verified (private CA, wrong host name, expired). */
export class TlsVerificationFailed extends PushErrorBase("TlsVerificationFailed")<{
  readonly registry: string;
  readonly reason: string;
  /** The server speaks plain HTTP, not TLS: no CA helps, only opting in to HTTP does. */
  readonly plainHttp?: boolean | undefined;
  readonly cause?: unknown;
}> {
  override get summary(): string {
    return this.plainHttp === true
      ? `TLS verification of ${this.registry} failed: ${this.reason}. Fix: if this registry really serves plain HTTP, push with ${settingPhrase("insecure")}; a registry on this machine's loopback (localhost, 127.0.0.0/8, ::1) needs no flag`
      : `TLS verification of ${this.registry} failed: ${this.reason}. Fix: trust the registry's CA with ${settingPhrase("caFile")}, or opt out with ${settingPhrase("insecure")}`;
  }
}

/** The registry could not be reached (connection refused, DNS failure, network timeout). */
export class RegistryUnreachable extends PushErrorBase("RegistryUnreachable")<{
  readonly registry: string;
  readonly reason: string;
  readonly cause?: unknown;
}> {
  override get summary(): string {
    return `registry ${this.registry} unreachable: ${this.reason}. Fix: check the address and port, and that the registry is up`;
  }
}

/** The registry refused the manifest (invalid, references missing blobs, too large). */
export class ManifestRejected extends PushErrorBase("ManifestRejected")<{
  readonly registry: string;
  readonly reference: string;
  readonly reason: string;
}> {
  override get summary(): string {
    return `${this.registry} rejected the manifest of ${this.reference}: ${this.reason}`;
  }
}

/** A registry answer that fits no other class; retryable for 429, 502, 503 and 504. */
export class RegistryError extends PushErrorBase("RegistryError")<{
  readonly registry: string;
  readonly status?: number | undefined;
  readonly code?: string | undefined;
  readonly reason: string;
  /** How long the registry asked us to wait (`Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number | undefined;
}> {
  override get summary(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status}${this.code ? ` ${this.code}` : ""})`;
    return `registry ${this.registry} error${status}: ${this.reason}`;
  }
}

/** A command (skopeo, docker) failed in a way no classifier recognised; stderr is kept, secrets redacted. */
export class CommandFailed extends PushErrorBase("CommandFailed")<{
  readonly strategy: string;
  readonly command: string;
  readonly exitCode?: number | undefined;
  readonly stderr: string;
  readonly cause?: unknown;
}> {
  override get summary(): string {
    const code = this.exitCode === undefined ? "" : ` with exit code ${this.exitCode}`;
    const detail = this.stderr.trim().split("\n").slice(-3).join(" | ");
    return `${this.command} failed${code}${detail ? `: ${detail}` : ""}`;
  }
}

/** A strategy failed in a way its classifier did not recognise (an unexpected exception); the cause is kept. */
export class StrategyFailed extends PushErrorBase("StrategyFailed")<{
  readonly strategy: string;
  readonly reason: string;
  readonly cause?: unknown;
}> {
  override get summary(): string {
    return `failed: ${this.reason}`;
  }
}

/** An operation ran past its time limit. */
export class Timeout extends PushErrorBase("Timeout")<{
  readonly operation: string;
  readonly afterMs: number;
  /** Which limit ran out; see {@link TimeoutStage}. Absent for a limit of no named stage. */
  readonly stage?: TimeoutStage | undefined;
  /** What was seen, in words: `127.0.0.1:5000 took the PATCH request but sent no answer within 60000 ms`. */
  readonly detail?: string | undefined;
}> {
  override get summary(): string {
    const stage = this.stage === undefined ? "" : ` (${this.stage} timeout)`;
    return `${this.operation} timed out after ${this.afterMs} ms${stage}${this.detail ? `: ${this.detail}` : ""}`;
  }
}

/**
 * The stage whose time limit ran out: `connect` (TCP connection and TLS handshake), `response` (a sent
 * request got no answer), `stall` (an upload or download made no progress), `manifest` (the manifest
 * was not written), `total` (the whole push).
 */
export type TimeoutStage = "connect" | "response" | "stall" | "manifest" | "total";

/** The server at the registry's address answered, but not as a registry does (a web page, a proxy's default site). */
export class NotARegistry extends PushErrorBase("NotARegistry")<{
  readonly registry: string;
  /** What it answered instead, e.g. `200 text/html without Docker-Distribution-API-Version`. */
  readonly answer: string;
}> {
  override get summary(): string {
    return `${this.registry} is not a container registry: GET /v2/ answered ${this.answer}. Fix: check the host and port (a web server, a load balancer's default site, or Harbor's UI port instead of its registry)`;
  }
}

/** The caller cancelled the push (AbortSignal, SIGINT). Everything the push created was cleaned up. */
export class PushCancelled extends PushErrorBase("PushCancelled")<{
  readonly reason: string;
}> {
  override get summary(): string {
    return `push cancelled: ${this.reason}`;
  }
}

/** Credentials could not be obtained: a malformed config file, a failing credential helper, a Harbor API error. */
export class CredentialsError extends PushErrorBase("CredentialsError")<{
  readonly source: string;
  readonly reason: string;
  readonly fix?: string | undefined;
  readonly cause?: unknown;
}> {
  override get summary(): string {
    return `credentials from ${this.source}: ${this.reason}${suffix(this.fix)}`;
  }
}

/** Every strategy in the chain was unavailable or hit an environment fault. */
export class NoStrategyAvailable extends PushErrorBase("NoStrategyAvailable")<{
  readonly attempts: ReadonlyArray<Attempt>;
}> {
  override get summary(): string {
    if (this.attempts.length === 0) return "no push strategy is configured";
    const lines = this.attempts.map((a) => `  - ${a.strategy}: ${a.reason ?? a.outcome}`);
    return `no push strategy could push here:\n${lines.join("\n")}`;
  }
}

/** Any error a strategy, a credentials provider or the chain can fail a push with. */
export type PushError =
  | StrategyUnavailable
  | EnvironmentFault
  | InvalidReference
  | ArchiveInvalid
  | AuthenticationFailed
  | AccessDenied
  | ProjectNotFound
  | QuotaExceeded
  | TlsVerificationFailed
  | RegistryUnreachable
  | ManifestRejected
  | RegistryError
  | CommandFailed
  | StrategyFailed
  | Timeout
  | NotARegistry
  | PushCancelled
  | CredentialsError
  | NoStrategyAvailable;

/** The tags of {@link PushError}, for exhaustive tables such as the fallback policy. */
export type PushErrorTag = PushError["_tag"];

/** The chain's failure: the error that decided the outcome, and every attempt made on the way. */
export class PushFailed extends Data.TaggedError("PushFailed")<{
  readonly reason: PushError;
  readonly attempts: ReadonlyArray<Attempt>;
}> {
  override get message(): string {
    return this.reason.message;
  }
  get isRetryable(): boolean {
    return this.reason.isRetryable;
  }
}

/** True when `u` is one of skopush's push errors. */
export const isPushError = (u: unknown): u is PushError =>
  typeof u === "object" && u !== null && Object.hasOwn(PUSH_ERROR_TABLE, (u as { _tag?: unknown })._tag as string);
