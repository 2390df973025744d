import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CertificatesState } from "./certificates.js";
import type { DockerState } from "./dockerd.js";
import type { HarborStandInState } from "./harbor-stand-in.js";
import type { LocalUser } from "./other-user.js";
import type { RegistryCredentials } from "./htpasswd.js";
import { isRegistryKind, type RegistryKind } from "./registry-kinds.js";
import type { SkopeoImageState } from "./skopeo-image.js";

/** One registry of the environment, as recorded in `state.json`. */
export interface TestRegistry {
  readonly kind: RegistryKind;
  /** `127.0.0.1:PORT`: the registry part of image references. */
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  readonly url: string;
  readonly scheme: "http" | "https";
  /** The pid of the `docker-registry` process; absent while the registry is stopped. */
  readonly pid?: number | undefined;
  /** The test CA (PEM), for HTTPS kinds. */
  readonly caFile?: string | undefined;
  /** A `certs.d`-style directory with `ca.crt`, for skopeo's `--dest-cert-dir`; HTTPS kinds. */
  readonly certDir?: string | undefined;
  /** The account to push with, for kinds with auth. */
  readonly credentials?: RegistryCredentials | undefined;
  readonly configFile: string;
  readonly storageDir: string;
  readonly logFile: string;
}

/** What `state.json` holds: the running environment. */
export interface EnvironmentState {
  readonly version: 1;
  readonly stateDir: string;
  readonly docker: DockerState;
  readonly skopeoImage?: SkopeoImageState | undefined;
  readonly certificates: CertificatesState;
  /** The account of the registries with auth, kept across restarts. */
  readonly credentials: RegistryCredentials;
  /** Signs upload state in every registry (distribution's `http.secret`). */
  readonly httpSecret: string;
  readonly registries: Readonly<Partial<Record<RegistryKind, TestRegistry>>>;
  /** The HarborApiStandIn process (REST API, token service, `/v2/*` in front of the `token` registry) that registry trusts. */
  readonly harbor?: HarborStandInState | undefined;
  /** The second local user the trust-boundary tests act as (not root, not the user running the tests). */
  readonly otherUser?: LocalUser | undefined;
  readonly updatedAt: string;
}

/** Why `value` is not a state this version understands, or undefined when it is one. */
export const stateProblem = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null) return "it is not a JSON object";
  const state = value as Partial<EnvironmentState>;
  if (state.version !== 1) return `its version is ${JSON.stringify(state.version)}, expected 1`;
  if (typeof state.stateDir !== "string") return "stateDir is missing";
  if (typeof state.docker?.socket !== "string") return "docker.socket is missing";
  if (typeof state.certificates?.caFile !== "string") return "certificates are missing";
  if (typeof state.credentials?.username !== "string" || typeof state.credentials.password !== "string") {
    return "credentials are missing";
  }
  if (typeof state.registries !== "object" || state.registries === null) return "registries are missing";
  for (const [kind, registry] of Object.entries(state.registries)) {
    if (!isRegistryKind(kind)) return `unknown registry kind ${JSON.stringify(kind)}`;
    if (registry?.kind !== kind || typeof registry.port !== "number" || typeof registry.url !== "string") {
      return `registry ${kind} is incomplete`;
    }
  }
  return undefined;
};

/** The state in `file`, undefined when there is no file; throws with the reason when the file is unusable. */
export const readState = (file: string): EnvironmentState | undefined => {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new Error(`${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const problem = stateProblem(parsed);
  if (problem) throw new Error(`${file} is not a skopush environment state: ${problem}`);
  return parsed as EnvironmentState;
};

/** Writes `state` to `file` atomically (temp file and rename), readable by its owner only: it holds the test account. */
export const writeState = (file: string, state: EnvironmentState): void => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
};
