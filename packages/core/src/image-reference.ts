import * as Effect from "effect/Effect";
import { InvalidReference, type ReferencePart } from "./errors.js";
import { settingPhrase } from "./setting-phrases.js";

// The grammar of distribution/reference (regexp.go); see docs/architecture.md for what skopush adds.
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})$/;
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const NAME_MAX_LENGTH = 255;
const DOCKER_HUB = "docker.io";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** A registry host and the scheme its URL named. */
export interface RegistryEndpoint {
  /** `host[:port]`, as it appears in image references and credential files. */
  readonly host: string;
  readonly scheme: "https" | "http";
}

/**
 * A validated image reference `registry/repository[:tag][@digest]`. Instances only come from
 * {@link ImageReference.parse} (skopush's `harborImageReference` builds its text and parses it), so whatever
 * holds one holds text that is safe to put on a command line.
 */
export class ImageReference {
  private constructor(
    /** `host[:port]`; `docker.io` when the input named no registry. */
    readonly registry: string,
    /** The path below the registry, e.g. `project/app`. */
    readonly repository: string,
    readonly tag: string | undefined,
    readonly digest: string | undefined,
  ) {}

  /** Parses and validates a reference; fails with `InvalidReference` naming the wrong part. */
  static parse(input: string): Effect.Effect<ImageReference, InvalidReference> {
    return Effect.suspend(() => {
      const result = decode(input);
      return result instanceof InvalidReference ? Effect.fail(result) : Effect.succeed(result);
    });
  }

  /** {@link ImageReference.parse} for code outside Effect: throws `InvalidReference`. */
  static parseOrThrow(input: string): ImageReference {
    const result = decode(input);
    if (result instanceof InvalidReference) throw result;
    return result;
  }

  /** `registry/repository`. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** The first path component: the Harbor project. */
  get project(): string {
    return this.repository.split("/")[0] ?? this.repository;
  }

  /** What a manifest is stored under: the digest when given, else the tag, else `latest`. */
  get manifestReference(): string {
    return this.digest ?? this.tag ?? "latest";
  }

  /** The same repository with another tag and no digest. */
  withTag(tag: string): ImageReference {
    const result = decode(`${this.name}:${tag}`);
    if (result instanceof InvalidReference) throw result;
    return result;
  }

  toString(): string {
    return `${this.name}${this.tag === undefined ? "" : `:${this.tag}`}${this.digest === undefined ? "" : `@${this.digest}`}`;
  }

  toJSON(): string {
    return this.toString();
  }

  /** @internal */
  static unsafeMake(registry: string, repository: string, tag: string | undefined, digest: string | undefined) {
    return new ImageReference(registry, repository, tag, digest);
  }
}

/** Parses a registry or Harbor URL (`https://harbor.example.com`, `http://host:8080`, `host:port`) into host and scheme. */
export const parseRegistryEndpoint = (url: string): RegistryEndpoint | InvalidReference => {
  const fail = (reason: string) => new InvalidReference({ input: url, part: "registry", reason });
  if (url.length === 0) return fail("is empty");
  if (/\s/.test(url)) return fail("contains whitespace");
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(url) ? url : `https://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    return fail("is not a valid URL or host[:port]");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return fail(`has scheme ${parsed.protocol.slice(0, -1)}; use https:// or http://`);
  }
  if (parsed.username || parsed.password) return fail("must not contain credentials; pass them separately");
  if (parsed.pathname !== "/" && parsed.pathname !== "") return fail(`must not contain a path (${parsed.pathname})`);
  if (parsed.search || parsed.hash) return fail("must not contain a query or fragment");
  const host = parsed.host;
  const problem = validateDomain(host);
  if (problem) return fail(problem);
  return { host, scheme: parsed.protocol === "http:" ? "http" : "https" };
};

const invalid = (input: string, part: ReferencePart, reason: string) => new InvalidReference({ input, part, reason });

const decode = (input: string): ImageReference | InvalidReference => {
  if (typeof input !== "string" || input.length === 0) return invalid(String(input), "reference", "is empty");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(input)) return invalid(input, "reference", "contains a control character");
  // A URL pasted as a reference would read as a registry "https" with an empty port.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input);
  if (scheme) {
    const without = input.slice(scheme[0].length);
    return new InvalidReference({
      input,
      part: "reference",
      reason: `starts with ${JSON.stringify(scheme[0])}: a reference names its registry as host[:port], with no scheme`,
      fix: `write ${without} (skopush speaks https; ${settingPhrase("insecure")} allows plain http)`,
    });
  }

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = validateDigest(digest);
    if (problem) return invalid(input, "digest", problem);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const problem = validateTag(tag);
    if (problem) return invalid(input, "tag", problem);
  }

  if (rest.length === 0) return invalid(input, "repository", "is empty");
  const components = rest.split("/");
  let registry = DOCKER_HUB;
  const first = components[0] ?? "";
  if (components.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase())) {
    const problem = validateDomain(first);
    if (problem) return invalid(input, "registry", problem);
    registry = DOCKER_HUB_ALIASES.has(first) ? DOCKER_HUB : first;
    components.shift();
  }
  if (registry === DOCKER_HUB && components.length === 1) components.unshift("library");

  for (const component of components) {
    const problem = validateComponent(component);
    if (problem) return invalid(input, "repository", problem);
  }
  const repository = components.join("/");
  if (/^[a-f0-9]{64}$/.test(repository)) {
    return invalid(input, "repository", "cannot be a 64-character hex string (that is an image ID, not a name)");
  }
  if (registry.length + 1 + repository.length > NAME_MAX_LENGTH) {
    return invalid(input, "repository", `makes the name longer than ${NAME_MAX_LENGTH} characters`);
  }
  return ImageReference.unsafeMake(registry, repository, tag, digest?.toLowerCase());
};

const validateDomain = (domain: string): string | undefined => {
  if (domain.length === 0) return "is empty";
  if (/\s/.test(domain)) return "contains whitespace";
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(domain);
  const host = portMatch?.[1] ?? "";
  const port = portMatch?.[2];
  if (domain.endsWith(":")) return "has an empty port";
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) return `has an invalid port ${port}`;
  }
  if (host.length === 0) return "has an empty host";
  if (IPV6_HOST.test(host)) return undefined;
  if (host.includes(":")) return `${JSON.stringify(domain)} is not a valid host[:port]`;
  for (const label of host.split(".")) {
    if (label.length === 0) return `host ${JSON.stringify(host)} has an empty label`;
    if (!HOST_LABEL.test(label)) return `host ${JSON.stringify(host)} contains an invalid character`;
  }
  return undefined;
};

const validateComponent = (component: string): string | undefined => {
  if (component.length === 0) return "has an empty path component (check for '//' or a trailing '/')";
  if (/\s/.test(component)) return `component ${JSON.stringify(component)} contains whitespace`;
  if (component !== component.toLowerCase()) return `component ${JSON.stringify(component)} must be lowercase`;
  if (!PATH_COMPONENT.test(component)) {
    return `component ${JSON.stringify(component)} must be lowercase letters and digits, separated by '.', '_', '__' or '-'`;
  }
  return undefined;
};

const validateTag = (tag: string): string | undefined => {
  if (tag.length === 0) return "is empty";
  if (tag.length > 128) return `is ${tag.length} characters long; the limit is 128`;
  if (/\s/.test(tag)) return "contains whitespace";
  if (!/^\w/.test(tag)) return "must start with a letter, digit or underscore";
  if (!TAG.test(tag)) return "may only contain letters, digits, '_', '.' and '-'";
  return undefined;
};

const validateDigest = (digest: string): string | undefined => {
  if (digest.length === 0) return "is empty";
  const match = DIGEST.exec(digest);
  if (!match) return "must look like sha256:<64 hex digits>";
  const algorithm = match[1] ?? "";
  const expected = DIGEST_HEX_LENGTH[algorithm];
  if (expected === undefined) return `uses unsupported algorithm ${JSON.stringify(algorithm)}`;
  if ((match[2] ?? "").length !== expected) return `${algorithm} needs ${expected} hex digits, got ${(match[2] ?? "").length}`;
  return undefined;
};
