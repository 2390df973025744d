import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { TlsVerificationFailed, type TlsSettings } from "@skopush/core";
import { Effect } from "effect";
import type { ResolvedRegistryPushOptions } from "../registry-push-options.js";

/** The connection pools of one push; `destroy` closes every socket. */
export interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
  destroy(): void;
}

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

/** Reads a certs.d directory: `*.crt` are CA roots; `<name>.cert` with `<name>.key` is a client pair. Absent → empty. */
export const readCertDir = async (dir: string): Promise<CertDirContents> => {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return { ca: [] };
    throw cause;
  }
  const ca = await Promise.all(names.filter((n) => n.endsWith(".crt")).map((n) => readFile(join(dir, n), "utf8")));
  const certName = names.find((n) => n.endsWith(".cert") && names.includes(`${n.slice(0, -5)}.key`));
  const client = certName
    ? { cert: await readFile(join(dir, certName), "utf8"), key: await readFile(join(dir, `${certName.slice(0, -5)}.key`), "utf8") }
    : undefined;
  return { ca, client };
};

// `ca` replaces Node's default roots, so the defaults are listed again next to the added ones.
const defaultRoots = async (): Promise<ReadonlyArray<string>> => {
  const getCACertificates = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (getCACertificates) return getCACertificates("default");
  const extraFile = process.env["NODE_EXTRA_CA_CERTS"];
  const extra = extraFile ? await readFile(extraFile, "utf8").catch(() => undefined) : undefined;
  return extra === undefined ? tls.rootCertificates : [...tls.rootCertificates, extra];
};

/**
 * Builds the keep-alive agents of one push to `host`. TLS is verified unless `settings.verify` is
 * false; CA certificates from `caFile` and `certDir` (or the host's system certs.d directories) are
 * trusted in addition to the default roots, never instead of them.
 */
export const makeAgents = (
  host: string,
  settings: TlsSettings,
  options: ResolvedRegistryPushOptions,
): Effect.Effect<Agents, TlsVerificationFailed> =>
  Effect.tryPromise({
    try: async () => {
      const added: string[] = [];
      let client: CertDirContents["client"];
      if (settings.caFile) added.push(await readFile(settings.caFile, "utf8"));
      const dirs = settings.certDir ? [settings.certDir] : options.systemCertDirs ? systemCertDirs(host) : [];
      for (const dir of dirs) {
        const contents = await readCertDir(dir);
        added.push(...contents.ca);
        client ??= contents.client;
      }
      const common = { keepAlive: options.http.keepAlive, maxSockets: options.http.maxSockets, scheduling: "lifo" as const };
      // One secure context for every connection: building it parses the whole root store, which
      // would otherwise happen again for each new socket.
      const secureContext =
        added.length > 0 || client !== undefined
          ? tls.createSecureContext({ ca: added.length > 0 ? [...(await defaultRoots()), ...added] : undefined, cert: client?.cert, key: client?.key })
          : undefined;
      const agents = {
        http: new http.Agent(common),
        https: new https.Agent({ ...common, rejectUnauthorized: settings.verify, secureContext }),
      };
      return { ...agents, destroy: () => (agents.http.destroy(), agents.https.destroy()) };
    },
    catch: (cause) =>
      new TlsVerificationFailed({
        registry: host,
        reason: `the CA certificates cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)}: ${(cause as Error).message ?? ""})`,
        cause,
      }),
  });
