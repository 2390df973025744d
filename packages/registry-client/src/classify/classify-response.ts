import {
  AccessDenied,
  ArchiveInvalid,
  AuthenticationFailed,
  InvalidReference,
  isPushError,
  ManifestRejected,
  ProjectNotFound,
  QuotaExceeded,
  redactSecrets,
  RegistryError,
  type PushError,
} from "@skopush/core";
import type { BodySourceError, HttpResponse, TransportError } from "../transport/send-request.js";
import { classifyTransport as classifyAnyTransport } from "./classify-transport.js";
import { errorCodes, parseRegistryErrorBody, retryAfterMs } from "./error-body.js";

/** A call of the registry API (distribution spec), as messages name it. */
export type RegistryOperation =
  | "ping"
  | "token"
  | "blob-check"
  | "blob-mount"
  | "blob-upload"
  | "manifest-read"
  | "config-read"
  | "manifest-push";

/** What the classifier knows about the call. Secrets are only used to remove them from messages. */
export interface RegistryCallContext {
  /** `host[:port]`. */
  readonly registry: string;
  readonly repository: string;
  readonly operation: RegistryOperation;
  /** The tag or digest, for manifest calls. */
  readonly reference?: string | undefined;
  readonly username?: string | undefined;
  /** Removed from every message (password, tokens). */
  readonly secrets?: ReadonlyArray<string | undefined> | undefined;
  /** The archive, for failures of the body's own stream. */
  readonly archivePath?: string | undefined;
}

const OPERATION_WORDS: Readonly<Record<RegistryOperation, string>> = {
  ping: "checking the registry API (GET /v2/)",
  token: "getting a token",
  "blob-check": "checking a blob",
  "blob-mount": "mounting a blob",
  "blob-upload": "uploading a blob",
  "manifest-read": "reading the current manifest",
  "config-read": "reading the current config",
  "manifest-push": "pushing the manifest",
};

const QUOTA = /will exceed the configured upper limit|quota/i;
const PROJECT_NOT_FOUND = /project (\S+) not found/i;
const MANIFEST_CODES = new Set(["MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_UNKNOWN", "MANIFEST_UNVERIFIED", "TAG_INVALID", "BLOB_UNKNOWN"]);

const clean = (context: RegistryCallContext, text: string): string => redactSecrets(text, context.secrets ?? [], context.username);

const projectOf = (repository: string): string => repository.split("/")[0] ?? repository;

/** Maps a registry answer that is not a success to the error vocabulary. */
export const classifyResponse = (context: RegistryCallContext, response: Pick<HttpResponse, "status" | "headers" | "body">): PushError => {
  const body = parseRegistryErrorBody(response.body);
  const codes = errorCodes(body);
  const status = response.status;
  const what = OPERATION_WORDS[context.operation];
  const said = clean(context, body.summary);
  const reason = said ? `${what}: ${said}` : `${what}: HTTP ${status}`;
  const code = codes[0];

  if (status === 401) {
    const project = PROJECT_NOT_FOUND.exec(body.summary);
    if (project) return new ProjectNotFound({ registry: context.registry, project: projectOf(context.repository) });
    return new AuthenticationFailed({ registry: context.registry, username: context.username, reason });
  }
  if (status === 403) {
    if (QUOTA.test(body.summary)) return new QuotaExceeded({ registry: context.registry, detail: said });
    return new AccessDenied({ registry: context.registry, repository: context.repository, reason });
  }
  if (codes.includes("NAME_UNKNOWN") && context.operation !== "manifest-read" && context.operation !== "config-read") {
    return new ProjectNotFound({
      registry: context.registry,
      project: context.repository,
      fix: `create the repository ${context.repository} on ${context.registry}; this registry does not create repositories on push`,
    });
  }
  if (codes.includes("NAME_INVALID") || (status === 400 && /invalid repository name/i.test(body.summary))) {
    return new InvalidReference({ input: `${context.registry}/${context.repository}`, part: "repository", reason: `is refused by the registry: ${said}` });
  }
  if (context.operation === "manifest-push" && (status === 413 || (code !== undefined && MANIFEST_CODES.has(code)) || status === 400)) {
    const tooLarge = status === 413 ? "the manifest is larger than the registry (or a proxy in front of it) accepts" : "";
    return new ManifestRejected({
      registry: context.registry,
      reference: `${context.repository}:${context.reference ?? "?"}`,
      reason: [tooLarge, said || `HTTP ${status}`].filter(Boolean).join(": "),
    });
  }
  if (context.operation === "ping" && status === 404) {
    return new RegistryError({ registry: context.registry, status, reason: "GET /v2/ answered 404: this is not an OCI (Docker v2) registry API" });
  }
  return new RegistryError({
    registry: context.registry,
    status,
    code,
    reason,
    retryAfterMs: retryAfterMs(response.headers["retry-after"]),
  });
};

/** Maps a registry call that got no answer (refused, reset, timed out, TLS) to the error vocabulary. */
export const classifyRegistryTransport = (context: RegistryCallContext, error: TransportError): PushError =>
  classifyAnyTransport(
    { registry: context.registry, what: OPERATION_WORDS[context.operation], component: "registry", username: context.username, secrets: context.secrets },
    error,
  );

/** Maps a failure of a request body's own stream: the typed error it carries, else an archive read error. */
export const classifyBodySource = (context: RegistryCallContext, error: BodySourceError): PushError => {
  if (isPushError(error.cause)) return error.cause;
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  return new ArchiveInvalid({
    path: context.archivePath ?? "the archive",
    reason: `cannot be read while ${OPERATION_WORDS[context.operation]} (${cause?.code ?? "error"}: ${cause?.message ?? String(cause)})`,
    cause,
  });
};
