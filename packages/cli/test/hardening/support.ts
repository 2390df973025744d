import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { loadTestEnvironment, type TestEnvironment, type TestRegistry } from "@skopush/testkit/environment";
import { startRegistryProxy, startResidentContainer, type RegistryProxy, type ResidentContainer } from "@skopush/testkit/hardening";
import { assertBuilt } from "../spawn-cli.js";

/** The four strategies, in the default chain's order. */
export const STRATEGIES = ["docker-exec", "dockerode", "native", "registry"] as const;

/** A scratch directory for one test file, with a private HOME. */
export const scratch = async (label: string) => {
  const dir = await mkdtemp(join(tmpdir(), `skopush-cli-hardening-${label}-`));
  const home = join(dir, "home");
  await mkdir(home);
  return { dir, home, cleanup: () => rm(dir, { recursive: true, force: true }) };
};

/** What {@link useCliTestBed} started for a test file; each part is there once the file's `beforeAll` ran. */
export interface CliTestBed {
  environment: TestEnvironment;
  work: Awaited<ReturnType<typeof scratch>>;
  /** The proxy in front of a registry that the file's pushes go through. */
  proxy: RegistryProxy;
  /** The resident skopeo container; only a file that asked for one may use it. */
  resident: ResidentContainer;
}

/** What {@link useCliTestBed} starts besides the environment and the scratch directory. */
export interface CliTestBedOptions {
  readonly proxy: (environment: TestEnvironment) => Promise<RegistryProxy>;
  /** Start a resident skopeo container of the environment's image (with this name prefix, when a string). */
  readonly resident?: true | string | undefined;
}

/**
 * Registers the hooks of a CLI test file: before all its tests, checks the CLI is built, loads the
 * environment, makes a scratch directory named after `label` and starts a resident container (when asked)
 * and the proxy; after all its tests, closes them again.
 */
export const useCliTestBed = (label: string, options: CliTestBedOptions): CliTestBed => {
  const bed = {} as CliTestBed;
  beforeAll(async () => {
    assertBuilt();
    bed.environment = await loadTestEnvironment();
    bed.work = await scratch(label);
    if (options.resident !== undefined) {
      bed.resident = await startResidentContainer({
        image: bed.environment.skopeoImage,
        ...(typeof options.resident === "string" ? { namePrefix: options.resident } : {}),
      });
    }
    bed.proxy = await options.proxy(bed.environment);
  });
  afterAll(async () => {
    await bed.proxy?.close();
    await bed.resident?.remove();
    await bed.work?.cleanup();
  });
  return bed;
};

/** A fresh, empty directory in `dir`: a push's TMPDIR, so the test sees every temp file it makes. */
export const freshDir = async (dir: string, label: string): Promise<string> => {
  const path = join(dir, `${label}-${randomBytes(3).toString("hex")}`);
  await mkdir(path);
  return path;
};

/** A repository name no other run uses. */
export const uniqueRepository = (label: string): string => `hardening/${label}-${randomBytes(4).toString("hex")}`;

/** The environment a CI job gives the CLI: no credentials, a private HOME and TMPDIR, plain progress lines. */
export const ciEnv = (home: string, tmp: string, extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  TMPDIR: tmp,
  CI: "1",
  NO_COLOR: "1",
  ...extra,
});

/** `--strategy` and the resident container's flags, so every strategy uses this test's container. */
export const strategyFlags = (strategy: string, resident: ResidentContainer): string[] => [
  "--strategy", strategy, "--container", resident.name, "--shared-dir", resident.sharedDir,
];

/**
 * A throttling HTTPS proxy in front of the `basic` registry (TLS with the test CA, Basic auth), serving the
 * registry's own certificate: pushes through it need the account, so skopeo strategies write an authfile.
 */
export const throttledBasicRegistry = (environment: TestEnvironment, bytesPerSecond: number): Promise<RegistryProxy> => {
  const basic: TestRegistry = environment.registry("basic");
  return startRegistryProxy({
    upstream: basic.url,
    caFile: basic.caFile,
    tls: { certFile: environment.state.certificates.serverCert, keyFile: environment.state.certificates.serverKey },
    bodyBytesPerSecond: bytesPerSecond,
  });
};

/** Body bytes the proxy forwarded into blob uploads of `repository` so far. */
export const uploadedBytes = (proxy: RegistryProxy, repository: string): number =>
  proxy.requests.filter((r) => r.path.includes(`/${repository}/blobs/uploads/`)).reduce((sum, r) => sum + r.bodyBytes, 0);
