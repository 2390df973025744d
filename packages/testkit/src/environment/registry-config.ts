import { join } from "node:path";
import { REGISTRY_KIND_SPECS, type RegistryKind } from "./registry-kinds.js";

/** The parts of a distribution 2.8 configuration the environment sets. */
export interface RegistryConfig {
  /** `127.0.0.1:PORT`: loopback only. */
  readonly addr: string;
  readonly storageDir: string;
  /** Signs upload state; only matters across instances, but distribution warns when it is missing. */
  readonly secret: string;
  readonly tls?: { readonly certificate: string; readonly key: string } | undefined;
  readonly auth?:
    | { readonly htpasswd: { readonly realm: string; readonly path: string }; readonly token?: undefined }
    | { readonly token: TokenAuthSettings; readonly htpasswd?: undefined }
    | undefined;
}

/** distribution's `auth.token` section: whom the registry trusts to issue Bearer tokens. */
export interface TokenAuthSettings {
  /** The token service URL put in the Bearer challenge. */
  readonly realm: string;
  /** Must equal the JWT `aud`: `harbor-registry`. */
  readonly service: string;
  /** Must equal the JWT `iss`: `harbor-token-issuer`. */
  readonly issuer: string;
  /** PEM certificates whose keys sign tokens. */
  readonly rootCertBundle: string;
}

/** Where a registry keeps its files inside its directory. */
export const registryFiles = (registryDir: string) => ({
  configFile: join(registryDir, "config.yml"),
  storageDir: join(registryDir, "data"),
  logFile: join(registryDir, "registry.log"),
  htpasswdFile: join(registryDir, "htpasswd"),
});

/** The realm of the Basic challenge of the `basic` registry. */
export const BASIC_REALM = "skopush-basic";

/** The configuration of a registry of `kind` listening on `port`. */
export const buildRegistryConfig = (
  kind: RegistryKind,
  options: {
    readonly port: number;
    readonly registryDir: string;
    readonly secret: string;
    readonly serverCert: string;
    readonly serverKey: string;
    /** Required for the `token` kind. */
    readonly tokenAuth?: TokenAuthSettings | undefined;
  },
): RegistryConfig => {
  const spec = REGISTRY_KIND_SPECS[kind];
  const files = registryFiles(options.registryDir);
  return {
    addr: `127.0.0.1:${options.port}`,
    storageDir: files.storageDir,
    secret: options.secret,
    tls: spec.scheme === "https" ? { certificate: options.serverCert, key: options.serverKey } : undefined,
    auth:
      spec.auth === "htpasswd"
        ? { htpasswd: { realm: BASIC_REALM, path: files.htpasswdFile } }
        : spec.auth === "token" && options.tokenAuth
          ? { token: options.tokenAuth }
          : undefined,
  };
};

// JSON strings are valid YAML double-quoted scalars, so paths with any character stay intact.
const q = (value: string): string => JSON.stringify(value);

/** The YAML file `docker-registry serve` reads. */
export const renderRegistryConfig = (config: RegistryConfig): string => {
  const lines = [
    "version: 0.1",
    "log:",
    "  level: info",
    "  formatter: text",
    "  accesslog:",
    "    disabled: false",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${q(config.storageDir)}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: ${q(config.addr)}`,
    `  secret: ${q(config.secret)}`,
    "  relativeurls: false",
  ];
  if (config.tls) {
    lines.push("  tls:", `    certificate: ${q(config.tls.certificate)}`, `    key: ${q(config.tls.key)}`);
  }
  if (config.auth?.htpasswd) {
    lines.push("auth:", "  htpasswd:", `    realm: ${q(config.auth.htpasswd.realm)}`, `    path: ${q(config.auth.htpasswd.path)}`);
  }
  if (config.auth?.token) {
    const token = config.auth.token;
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${q(token.realm)}`,
      `    service: ${q(token.service)}`,
      `    issuer: ${q(token.issuer)}`,
      `    rootcertbundle: ${q(token.rootCertBundle)}`,
    );
  }
  lines.push("health:", "  storagedriver:", "    enabled: false");
  return `${lines.join("\n")}\n`;
};
