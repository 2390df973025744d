import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import { Data } from "effect";
import { AUTHORIZERS, parseChallenges } from "./registry-auth.js";
import type { RegistryCredentials } from "./htpasswd.js";

/** What the helpers need to reach a registry; a `TestRegistry` is one. */
export interface RegistryEndpoint {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** The CA to trust besides the public roots. */
  readonly caFile?: string | undefined;
  /** Used to answer the registry's challenge. */
  readonly credentials?: RegistryCredentials | undefined;
}

/** A registry request that failed or got an unexpected answer. */
export class RegistryCheckFailed extends Data.TaggedError("RegistryCheckFailed")<{
  readonly url: string;
  readonly status?: number | undefined;
  /** The `code`s of the registry's `{errors:[…]}` body. */
  readonly codes?: ReadonlyArray<string> | undefined;
  readonly reason: string;
  readonly cause?: unknown;
}> {
  override get message(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status}${this.codes?.length ? ` ${this.codes.join(",")}` : ""})`;
    return `[skopush] [test-environment] ${this.url}${status}: ${this.reason}`;
  }
}

/** A registry's answer. */
export interface RegistryResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A request to send. */
export interface RegistryRequest {
  readonly method: "GET" | "HEAD";
  /** Starts with `/v2/`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

const send = (registry: RegistryEndpoint, req: RegistryRequest, authorization?: string): Promise<RegistryResponse> => {
  const url = new URL(req.path, registry.url);
  const headers: Record<string, string> = { ...req.headers };
  if (authorization) headers.authorization = authorization;
  // No pooled keep-alive sockets: a registry restarted between two calls would reset a reused one.
  const options = { method: req.method, headers, timeout: 30_000, agent: false as const };
  return new Promise((resolve, reject) => {
    const onResponse = (res: import("node:http").IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    };
    const r =
      url.protocol === "https:"
        ? httpsRequest(url, { ...options, ca: caOf(registry) }, onResponse)
        : httpRequest(url, options, onResponse);
    r.on("timeout", () => r.destroy(new Error("no answer within 30 s")));
    r.on("error", (cause: NodeJS.ErrnoException) =>
      reject(new RegistryCheckFailed({ url: url.href, reason: `${cause.code ?? "request failed"}: ${cause.message}`, cause })),
    );
    r.end();
  });
};

// `ca` replaces Node's roots; the public roots stay trusted next to the test CA.
const caOf = (registry: RegistryEndpoint): string[] | undefined =>
  registry.caFile ? [...rootCertificates, readFileSync(registry.caFile, "utf8")] : undefined;

/**
 * Sends a request; on a 401 with a challenge it can answer (see `AUTHORIZERS`) and credentials to
 * answer it with, sends it again authorized. Resolves with whatever the registry answers last.
 */
export const registryRequest = async (registry: RegistryEndpoint, req: RegistryRequest): Promise<RegistryResponse> => {
  const first = await send(registry, req);
  if (first.status !== 401 || !registry.credentials) return first;
  for (const challenge of parseChallenges(String(first.headers["www-authenticate"] ?? ""))) {
    const authorizer = AUTHORIZERS[challenge.scheme];
    if (!authorizer) continue;
    const authorization = await authorizer(challenge, registry.credentials, { caFile: registry.caFile });
    if (authorization) return send(registry, req, authorization);
  }
  return first;
};

const errorCodes = (body: Buffer): ReadonlyArray<string> | undefined => {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { errors?: { code?: string }[] };
    return parsed.errors?.map((e) => e.code ?? "UNKNOWN");
  } catch {
    return undefined;
  }
};

const unexpected = (registry: RegistryEndpoint, path: string, res: RegistryResponse, what: string) =>
  new RegistryCheckFailed({
    url: new URL(path, registry.url).href,
    status: res.status,
    codes: errorCodes(res.body),
    reason: `${what} failed`,
  });

/** The media types a manifest read accepts: every single-image manifest and index format. */
export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
] as const;

/** The fields of a manifest or index the tests look at. */
export interface ManifestJson {
  readonly schemaVersion: number;
  readonly mediaType?: string | undefined;
  readonly config?: { readonly mediaType: string; readonly digest: string; readonly size: number } | undefined;
  readonly layers?: ReadonlyArray<{ readonly mediaType: string; readonly digest: string; readonly size: number }> | undefined;
  readonly manifests?: ReadonlyArray<{ readonly mediaType: string; readonly digest: string; readonly size: number }> | undefined;
  readonly [key: string]: unknown;
}

/** A manifest as the registry stores it. */
export interface ManifestRead {
  /** `sha256:` of the body, checked equal to the registry's `Docker-Content-Digest`. */
  readonly digest: string;
  readonly mediaType: string;
  readonly body: Buffer;
  readonly json: ManifestJson;
}

/** `sha256:<hex>` of `bytes`. */
export const sha256Digest = (bytes: Buffer): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/**
 * Reads a manifest by tag or digest and checks it: the digest of the body must equal the registry's
 * `Docker-Content-Digest` (and the requested digest, when `reference` is one).
 */
export const readManifest = async (registry: RegistryEndpoint, repository: string, reference: string): Promise<ManifestRead> => {
  const path = `/v2/${repository}/manifests/${reference}`;
  const res = await registryRequest(registry, { method: "GET", path, headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") } });
  if (res.status !== 200) throw unexpected(registry, path, res, `reading the manifest ${repository}:${reference}`);
  const digest = sha256Digest(res.body);
  const announced = res.headers["docker-content-digest"];
  const url = new URL(path, registry.url).href;
  if (announced !== digest) {
    throw new RegistryCheckFailed({ url, reason: `the body's digest ${digest} differs from Docker-Content-Digest ${String(announced)}` });
  }
  if (reference.includes(":") && reference !== digest) {
    throw new RegistryCheckFailed({ url, reason: `asked for ${reference}, got a body whose digest is ${digest}` });
  }
  const json = JSON.parse(res.body.toString("utf8")) as ManifestJson;
  return { digest, mediaType: String(res.headers["content-type"] ?? json.mediaType ?? ""), body: res.body, json };
};

/** The tags of a repository, following pagination; empty when the repository does not exist. */
export const listTags = async (registry: RegistryEndpoint, repository: string): Promise<ReadonlyArray<string>> => {
  const tags: string[] = [];
  for (let path: string | undefined = `/v2/${repository}/tags/list`; path !== undefined; ) {
    const res = await registryRequest(registry, { method: "GET", path });
    if (res.status === 404 && errorCodes(res.body)?.includes("NAME_UNKNOWN")) return [];
    if (res.status !== 200) throw unexpected(registry, path, res, `listing the tags of ${repository}`);
    tags.push(...((JSON.parse(res.body.toString("utf8")) as { tags?: string[] | null }).tags ?? []));
    path = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ""))?.[1];
  }
  return tags;
};

/** True when the repository holds the blob (`HEAD` answers 200), false on 404. */
export const blobExists = async (registry: RegistryEndpoint, repository: string, digest: string): Promise<boolean> => {
  const path = `/v2/${repository}/blobs/${digest}`;
  const res = await registryRequest(registry, { method: "HEAD", path });
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw unexpected(registry, path, res, `checking the blob ${digest}`);
};

/** The status of an authenticated `GET /v2/`: 200 when the registry is up and the credentials (if any) work. */
export const pingRegistry = async (registry: RegistryEndpoint): Promise<number> =>
  (await registryRequest(registry, { method: "GET", path: "/v2/" })).status;
