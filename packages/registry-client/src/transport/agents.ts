import { readdir } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { CERTIFICATE_FILE_MAX_BYTES, readConfigFile } from "@skopush/config-files";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";

/** The connection pools of one client; `destroy` closes every socket. */
export interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
  destroy(): void;
}

/** How the server's certificate is checked: verified unless `verify` is false; CAs added to the system roots. */
export interface TrustSettings {
  /** Verify the certificate. `false` is the explicit opt-out that also allows plain http. */
  readonly verify: boolean;
  /** A PEM file of CA certificates. */
  readonly caFile?: string | undefined;
  /** PEM text of CA certificates. */
  readonly ca?: string | undefined;
  /** A containers-certs.d(5) directory: `*.crt` CA roots, `<name>.cert`/`<name>.key` client pairs. */
  readonly certDir?: string | undefined;
}

/** What the agents of one client are built from. */
export interface AgentSettings {
  /** `host[:port]`, for the system certs.d directories. */
  readonly host: string;
  readonly trust: TrustSettings;
  /** Also read the host's system certs.d directories when `trust` names no `certDir`. */
  readonly systemCertDirs: boolean;
  readonly keepAlive: boolean;
  readonly maxSockets: number;
  /** Resolves host names; Node's DNS lookup when absent. A test passes one that maps its names to 127.0.0.1. */
  readonly lookup?: LookupFunction | undefined;
}

/** The CA certificates could not be read or parsed; each caller says it in its own words. */
export class CertificatesUnreadable extends Data.TaggedError("CertificatesUnreadable")<{
  /** The file (or directory) that failed, when one did. */
  readonly path: string | undefined;
  readonly code: string | undefined;
  readonly detail: string;
  readonly cause: unknown;
}> {}

/** What a containers-certs.d(5) directory holds: CA roots, and at most one client certificate. */
export interface CertDirContents {
  readonly ca: ReadonlyArray<string>;
  readonly client?: { readonly cert: string; readonly key: string } | undefined;
}

const systemCertDirs = (host: string): ReadonlyArray<string> => [
  join("/etc/containers/certs.d", host),
  join(process.env["XDG_CONFIG_HOME"] || join(homedir(), ".config"), "containers", "certs.d", host),
  join("/etc/docker/certs.d", host),
];

/**
 * Reads a PEM file (a CA bundle, a client certificate or key): a regular file of at most 4 MiB, never
 * blocking on a named pipe. Rejects with the file's path and a code (`ENOENT`, `NOT_REGULAR`, `TOO_LARGE`, …).
 */
const readPem = async (path: string): Promise<string> => {
  const read = await readConfigFile(path, { maxBytes: CERTIFICATE_FILE_MAX_BYTES });
  if (read.state === "read") return read.bytes.toString("utf8");
  const [code, reason] = read.state === "missing" ? ["ENOENT", "does not exist"] : [read.code, read.reason];
  throw Object.assign(new Error(`${path} ${reason}`), { code, path });
};

/** Reads a certs.d directory: `*.crt` are CA roots; `<name>.cert` with `<name>.key` is a client pair. Absent → empty. */
export const readCertDir = async (dir: string): Promise<CertDirContents> => {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return { ca: [] };
    throw cause;
  }
  const ca = await Promise.all(names.filter((n) => n.endsWith(".crt")).map((n) => readPem(join(dir, n))));
  const certName = names.find((n) => n.endsWith(".cert") && names.includes(`${n.slice(0, -5)}.key`));
  const client = certName ? { cert: await readPem(join(dir, certName)), key: await readPem(join(dir, `${certName.slice(0, -5)}.key`)) } : undefined;
  return { ca, client };
};

// `ca` replaces Node's default roots, so the defaults are listed again next to the added ones.
const defaultRoots = async (): Promise<ReadonlyArray<string>> => {
  const getCACertificates = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (getCACertificates) return getCACertificates("default");
  const extraFile = process.env["NODE_EXTRA_CA_CERTS"];
  const extra = extraFile ? await readPem(extraFile).catch(() => undefined) : undefined;
  return extra === undefined ? tls.rootCertificates : [...tls.rootCertificates, extra];
};

/** Reads `path`, remembering which file failed. */
const readNamed = (path: string, read: (path: string) => Promise<unknown>) =>
  read(path).catch((cause: unknown) => {
    throw Object.assign(new Error((cause as Error).message ?? String(cause)), { code: (cause as NodeJS.ErrnoException).code, path, cause });
  });

/**
 * Builds the agents of one client of `host`. TLS is verified unless `trust.verify` is false; CA
 * certificates from `caFile`, `ca` and `certDir` (or the host's system certs.d directories) are trusted
 * in addition to the default roots, never instead of them.
 */
export const makeAgents = (settings: AgentSettings): Effect.Effect<Agents, CertificatesUnreadable> =>
  Effect.tryPromise({
    try: async () => {
      const { trust } = settings;
      const added: string[] = [];
      let client: CertDirContents["client"];
      if (trust.caFile) added.push(await readPem(trust.caFile));
      if (trust.ca) added.push(trust.ca);
      const dirs = trust.certDir ? [trust.certDir] : settings.systemCertDirs ? systemCertDirs(settings.host) : [];
      for (const dir of dirs) {
        const contents = (await readNamed(dir, readCertDir)) as CertDirContents;
        added.push(...contents.ca);
        client ??= contents.client;
      }
      const common = { keepAlive: settings.keepAlive, maxSockets: settings.maxSockets, scheduling: "lifo" as const, lookup: settings.lookup };
      // One secure context for every connection: building it parses the whole root store, which
      // would otherwise happen again for each new socket. Without verification no root is consulted,
      // so an empty CA list spares parsing the store at all (~20 ms of CPU per process).
      const secureContext = !trust.verify
        ? tls.createSecureContext({ ca: [], cert: client?.cert, key: client?.key })
        : added.length > 0 || client !== undefined
          ? tls.createSecureContext({ ca: added.length > 0 ? [...(await defaultRoots()), ...added] : undefined, cert: client?.cert, key: client?.key })
          : undefined;
      const agents = {
        http: new http.Agent(common),
        https: new https.Agent({ ...common, rejectUnauthorized: trust.verify, secureContext }),
      };
      return { ...agents, destroy: () => (agents.http.destroy(), agents.https.destroy()) };
    },
    catch: (cause) =>
      new CertificatesUnreadable({
        path: (cause as { path?: string }).path,
        code: (cause as NodeJS.ErrnoException).code,
        detail: (cause as Error).message ?? String(cause),
        cause: (cause as { cause?: unknown }).cause ?? cause,
      }),
  });
