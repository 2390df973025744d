import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RegistryKind } from "./registry-kinds.js";

/** The environment variable that overrides the state directory. */
export const STATE_DIR_ENV = "SKOPUSH_ENV_DIR";

/** The repository root: the nearest ancestor of this module whose package.json declares workspaces. */
export const repositoryRoot = (from: string = dirname(fileURLToPath(import.meta.url))): string => {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && "workspaces" in (JSON.parse(readFileSync(manifest, "utf8")) as object)) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
};

/** Where the environment lives. */
export interface EnvironmentOptions {
  /** @default $SKOPUSH_ENV_DIR, else `<repo>/.skopush-env` */
  readonly stateDir?: string | undefined;
}

/** The state directory: `explicit`, else `$SKOPUSH_ENV_DIR`, else `<repo>/.skopush-env`. */
export const resolveStateDir = (explicit?: string, env: NodeJS.ProcessEnv = process.env): string =>
  resolve(explicit ?? (env[STATE_DIR_ENV] || join(repositoryRoot(), ".skopush-env")));

/** Where each file of the environment lives inside its state directory. */
export interface EnvironmentLayout {
  readonly stateDir: string;
  readonly stateFile: string;
  readonly lockFile: string;
  readonly dockerdLog: string;
  readonly certsDir: string;
  readonly caKey: string;
  readonly caFile: string;
  readonly serverKey: string;
  readonly serverCert: string;
  /** A `certs.d`-style directory holding `ca.crt`, for skopeo's `--dest-cert-dir`. */
  readonly certDir: string;
  readonly registryDir: (kind: RegistryKind) => string;
  /** The RSA key the Harbor stand-in signs registry tokens with, and its self-signed certificate. */
  readonly tokenSignerKey: string;
  readonly tokenSignerCert: string;
  /** The Harbor stand-in's config and log. */
  readonly harborDir: string;
}

/** The layout of the environment in `stateDir`. */
export const layoutOf = (stateDir: string): EnvironmentLayout => {
  const certsDir = join(stateDir, "certs");
  return {
    stateDir,
    stateFile: join(stateDir, "state.json"),
    lockFile: join(stateDir, "state.lock"),
    dockerdLog: join(stateDir, "dockerd.log"),
    certsDir,
    caKey: join(certsDir, "ca.key"),
    caFile: join(certsDir, "ca.crt"),
    serverKey: join(certsDir, "registry.key"),
    serverCert: join(certsDir, "registry.crt"),
    certDir: join(certsDir, "cert-dir"),
    registryDir: (kind) => join(stateDir, "registries", kind),
    tokenSignerKey: join(certsDir, "token-signer.key"),
    tokenSignerCert: join(certsDir, "token-signer.crt"),
    harborDir: join(stateDir, "harbor-stand-in"),
  };
};
