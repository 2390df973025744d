import {
  AccessDenied,
  ArchiveInvalid,
  AuthenticationFailed,
  CommandFailed,
  EnvironmentFault,
  ManifestRejected,
  ProjectNotFound,
  QuotaExceeded,
  redactSecrets,
  RegistryError,
  RegistryUnreachable,
  StrategyUnavailable,
  TlsVerificationFailed,
  type ImageReference,
  type PushError,
} from "@skopush/core";

/** A failed `skopeo copy` and what it was doing; everything the classifier needs. */
export interface SkopeoFailure {
  readonly strategy: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly destination: ImageReference;
  /** The archive as the user named it. */
  readonly archivePath: string;
  /** The path skopeo read (a staged copy or link); replaced by `archivePath` in messages. */
  readonly stagedPath?: string | undefined;
  readonly username?: string | undefined;
  /** Redacted from every message, with their base64 `user:secret` forms. */
  readonly secrets?: ReadonlyArray<string | undefined> | undefined;
}

const LOGGED = (level: string) => new RegExp(`level=${level} msg="((?:[^"\\\\]|\\\\.)*)"`, "g");

/**
 * skopeo's error text: the `msg="…"` of its `level=fatal` log lines (Go-quoted), else of its
 * `level=error` lines, else stderr as is. Error lines before a fatal one are noise about retries and
 * challenges (`Failed to parse the authentication scope…`), not the failure.
 */
export const skopeoErrorMessage = (stderr: string): string => {
  for (const level of ["fatal", "error"]) {
    const messages = [...stderr.matchAll(LOGGED(level))].map((match) => unquote(match[1] ?? ""));
    if (messages.length > 0) return messages.join("\n").trim();
  }
  return stderr.trim();
};

const unquote = (quoted: string): string => {
  try {
    return JSON.parse(`"${quoted.replace(/\\'/g, "'")}"`) as string;
  } catch {
    return quoted.replace(/\\(["\\])/g, "$1");
  }
};

// The context skopeo wraps around the cause, outermost first; stripping it leaves the cause itself.
const CONTEXT =
  /^(?:trying to reuse blob \S+ at destination|checking whether a blob \S+ exists in \S+|pinging container registry \S+|(?:Get|Head|Post|Put|Patch|Delete) "[^"]*"|writing blob|writing manifest|initiating layer upload to \S+ in \S+|uploading layer to \S+|uploading layer chunked|uploading manifest \S+ to \S+|happened during read|initializing source \S+|reading blob \S+|copying config|copying system image from manifest list|creating an updated image manifest): /;

/** The cause at the heart of a skopeo message, without the layers of context around it. */
export const causeOf = (message: string): string => {
  // A registry's error list arrives as "errors:\n<code>: <message>\n…"; keep it on one line.
  let rest = message
    .replace(/:?\s*errors:\n/g, ": ")
    .split("\n")
    // distribution sends a 401 to HEAD without a body; skopeo says it could not parse the empty body.
    .filter((line) => line.trim().length > 0 && !line.startsWith("error parsing HTTP"))
    .join("; ");
  for (let previous = ""; previous !== rest; ) {
    previous = rest;
    rest = rest.replace(CONTEXT, "");
  }
  return rest.trim();
};

const PROJECT_NOT_FOUND = /project (\S+) not found/i;
const HTTP_STATUS = /(?:received unexpected HTTP status:|invalid status code from registry) (\d{3})/i;
const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|TLS handshake timeout|network is unreachable|no route to host|connection reset by peer|server misbehaving|broken pipe|use of closed network connection|dial tcp|unexpected EOF|: EOF$/i;
/**
 * A connection cut while skopeo was sending (the registry restarted or crashed mid-upload, a proxy dropped
 * it). skopeo 1.9.3's own retry (`--retry-times`) gives up on these at once, unlike a refused connection,
 * a reset or an EOF, which it retries itself.
 */
const CONNECTION_CUT = /broken pipe|use of closed network connection/i;
const TLS = /x509:|certificate|tls: /i;
const AUTH = /\bunauthorized\b|authentication required|invalid username or password|incorrect username or password|invalid credentials/i;
const DENIED = /\bdenied\b|insufficient_scope|forbidden/i;
const MANIFEST = /manifest invalid|manifest blob unknown|blob unknown|manifest unverified|manifest unknown|tag invalid/i;
const NO_SPACE = /no space left on device/i;
const POLICY = /trust policy|policy\.json|Source image rejected/i;

/**
 * skopeo 1.9.3's image reference grammar predates IPv6 literal hosts (`[::1]:5000/…` is "invalid reference
 * format"): the skopeo strategies cannot push there, another strategy may.
 */
export const ipv6Unsupported = (strategy: string, registry: string): StrategyUnavailable =>
  new StrategyUnavailable({
    strategy,
    reason: `skopeo 1.9.3 cannot address the IPv6 literal host ${registry} (its image reference grammar predates IPv6 literals)`,
    fix: "give the registry a host name (e.g. an /etc/hosts entry), or push with the registry strategy",
  });

/** True for a `RegistryUnreachable` whose connection was cut mid-transfer: the case skopeo does not retry. */
export const isConnectionCut = (error: PushError): boolean => error._tag === "RegistryUnreachable" && CONNECTION_CUT.test(error.reason);

/**
 * Maps a failed `skopeo copy` to skopush's error vocabulary, from its exit code and what it printed on
 * stderr (recorded samples of every case are in `test/fixtures/skopeo-output/`). Unrecognised failures
 * become `CommandFailed` with stderr kept. Secrets are redacted from everything that leaves here.
 */
export const classifySkopeoFailure = (failure: SkopeoFailure): PushError => {
  const secrets = failure.secrets ?? [];
  const clean = (text: string): string => {
    const unstaged = failure.stagedPath ? text.split(failure.stagedPath).join(failure.archivePath) : text;
    return redactSecrets(unstaged, secrets, failure.username);
  };
  const message = clean(skopeoErrorMessage(failure.stderr));
  const cause = causeOf(message);
  const registry = failure.destination.registry;
  const repository = failure.destination.repository;

  if (NO_SPACE.test(message)) {
    return new EnvironmentFault({
      strategy: failure.strategy,
      reason: `skopeo ran out of disk space: ${cause}`,
      fix: "free space in the temp directory (skopeo unpacks archives there), or configure a larger one",
    });
  }
  if (POLICY.test(message)) {
    return new EnvironmentFault({
      strategy: failure.strategy,
      reason: `skopeo's signature policy refused the copy: ${cause}`,
      fix: "make /etc/containers/policy.json (or ~/.config/containers/policy.json) accept local archives, e.g. {\"default\":[{\"type\":\"insecureAcceptAnything\"}]}",
    });
  }
  if (/^initializing source /.test(message) || /happened during read: Digest did not match/i.test(message)) {
    const lie = /Digest did not match, expected (\S+), got (\S+)/i.exec(message);
    return new ArchiveInvalid({
      path: failure.archivePath,
      reason: lie
        ? `a layer's content does not match its digest (the config says ${lie[1]?.replace(/,$/, "")}, the content hashes to ${lie[2]})`
        : `skopeo cannot read it: ${cause}`,
      fix: "save the image again (docker save, or skopeo copy … oci-archive:) and check the copy is complete",
    });
  }
  if (/Digest of source image's manifest would not match destination reference/i.test(message)) {
    return new ManifestRejected({
      registry,
      reference: failure.destination.toString(),
      reason: `the destination names the digest ${failure.destination.digest ?? "(a digest)"}, which is not the digest of the archive's manifest (skopeo checked before pushing; nothing was pushed). Push by tag (drop the @sha256:… part), or name the digest of this archive's manifest`,
    });
  }
  if (/^Invalid destination name .*invalid reference format/i.test(message) && failure.destination.registry.startsWith("[")) {
    return ipv6Unsupported(failure.strategy, registry);
  }
  if (/server gave HTTP response to HTTPS client/i.test(message)) {
    return new TlsVerificationFailed({
      registry,
      reason: "the registry answered in plain HTTP where HTTPS was required (it has no TLS endpoint at this address)",
      plainHttp: true,
    });
  }
  if (UNREACHABLE.test(message) && !/x509:/i.test(message)) {
    return new RegistryUnreachable({ registry, reason: cause });
  }
  if (TLS.test(message)) {
    return new TlsVerificationFailed({ registry, reason: cause.replace(/^x509: /, "") });
  }
  if (/will exceed the configured upper limit|quota/i.test(message)) {
    return new QuotaExceeded({ registry, detail: cause.replace(/^denied: /, "") });
  }
  const project = PROJECT_NOT_FOUND.exec(message);
  if (project?.[1]) return new ProjectNotFound({ registry, project: project[1].replace(/[:,]$/, "") });
  if (/unauthorized to access repository/i.test(message)) {
    return new AuthenticationFailed({
      registry,
      username: failure.username,
      reason: `the registry refused to let this account push to ${repository} (Harbor answers so for a wrong password, an expired or disabled robot, and an account without push permission alike)`,
      fix: `check the username and password (a Harbor robot logs in with its full name, e.g. robot$${failure.destination.project}+ci), and that the account may push to project ${failure.destination.project}`,
    });
  }
  if (DENIED.test(message)) {
    if (failure.username === undefined) {
      return new AuthenticationFailed({
        registry,
        reason: `the registry grants anonymous users no push access (${cause})`,
        fix: `provide credentials for ${registry}`,
      });
    }
    return new AccessDenied({
      registry,
      repository,
      reason: `${cause}. A token registry such as Harbor answers so for a wrong password, a missing project, an expired or disabled robot, and an account without both push and pull rights alike`,
      fix: `check the password of ${failure.username}, that project ${failure.destination.project} exists, and that the account may push and pull there`,
    });
  }
  if (AUTH.test(message)) {
    return failure.username === undefined
      ? new AuthenticationFailed({
          registry,
          reason: `the registry requires authentication (${cause})`,
          fix: `provide credentials for ${registry}`,
        })
      : new AuthenticationFailed({
          registry,
          username: failure.username,
          reason: `the registry refused the credentials (${cause})`,
          fix: `check the username and password (a Harbor robot logs in with its full name, e.g. robot$${failure.destination.project}+ci); Harbor also answers so when project ${failure.destination.project} does not exist`,
        });
  }
  if (MANIFEST.test(message)) {
    const rejected = /(manifest invalid|manifest blob unknown|blob unknown|manifest unverified|manifest unknown|tag invalid)[^,)]*/i.exec(message);
    return new ManifestRejected({ registry, reference: failure.destination.toString(), reason: rejected?.[0] ?? cause });
  }
  if (/\bname unknown\b/i.test(message)) {
    return new RegistryError({ registry, status: 404, code: "NAME_UNKNOWN", reason: `the registry does not know repository ${repository} (${cause})` });
  }
  if (/\bname invalid\b/i.test(message)) {
    return new RegistryError({ registry, status: 400, code: "NAME_INVALID", reason: `the registry rejects the repository name ${repository} (${cause})` });
  }
  if (/toomanyrequests|too many requests/i.test(message)) {
    return new RegistryError({ registry, status: 429, code: "TOOMANYREQUESTS", reason: `the registry is rate limiting (${cause})` });
  }
  const status = HTTP_STATUS.exec(message);
  if (status?.[1]) return new RegistryError({ registry, status: Number(status[1]), reason: cause });
  if (/^unknown: |\bunavailable\b/i.test(cause)) {
    return new RegistryError({
      registry,
      status: /\bunavailable\b/i.test(cause) ? 503 : undefined,
      code: /\bunavailable\b/i.test(cause) ? "UNAVAILABLE" : "UNKNOWN",
      reason: cause.replace(/^unknown: /, ""),
    });
  }
  return new CommandFailed({
    strategy: failure.strategy,
    command: "skopeo copy",
    exitCode: failure.exitCode,
    stderr: clean(failure.stderr),
  });
};
