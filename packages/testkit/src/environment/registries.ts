import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Data, Effect, Schedule } from "effect";
import type { CertificatesState } from "./certificates.js";
import { NotReady, TestEnvironmentError } from "./errors.js";
import { freePort, isPortFree } from "./free-port.js";
import { htpasswdLine, type RegistryCredentials } from "./htpasswd.js";
import type { Tools } from "./install.js";
import type { EnvironmentLayout } from "./paths.js";
import { isOurProcess, terminate } from "./process.js";
import { pingRegistry } from "./registry-client.js";
import { buildRegistryConfig, registryFiles, renderRegistryConfig, type TokenAuthSettings } from "./registry-config.js";
import { REGISTRY_KIND_SPECS, type RegistryKind } from "./registry-kinds.js";
import type { TestRegistry } from "./state.js";
import { pollUntilReady } from "./wait.js";

/** What starting a registry needs from the rest of the environment. */
export interface RegistryContext {
  readonly tools: Tools;
  readonly layout: EnvironmentLayout;
  readonly certificates: CertificatesState;
  readonly credentials: RegistryCredentials;
  readonly httpSecret: string;
  /** Where the `token` registry gets its tokens: the HarborApiStandIn's token service. */
  readonly tokenAuth?: TokenAuthSettings | undefined;
}

/** Someone else bound the port between our check and the registry's start. */
class PortTaken extends Data.TaggedError("PortTaken")<{ readonly port: number }> {}

const step = (kind: RegistryKind) => `registry ${kind}`;

const logTail = (file: string): string => {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-20).join("\n");
  } catch {
    return "";
  }
};

/** True when `argv` is `docker-registry serve <configFile>`. */
const servesConfig = (configFile: string) => (argv: ReadonlyArray<string>) =>
  (argv[0] ?? "").endsWith("docker-registry") && argv[1] === "serve" && argv[2] === configFile;

/** The record of a registry of `kind` on `port`, without a pid. */
export const describeRegistry = (kind: RegistryKind, port: number, context: RegistryContext): TestRegistry => {
  const spec = REGISTRY_KIND_SPECS[kind];
  const files = registryFiles(context.layout.registryDir(kind));
  return {
    kind,
    host: `127.0.0.1:${port}`,
    port,
    url: `${spec.scheme}://127.0.0.1:${port}`,
    scheme: spec.scheme,
    caFile: spec.scheme === "https" ? context.certificates.caFile : undefined,
    certDir: spec.scheme === "https" ? context.certificates.certDir : undefined,
    credentials: spec.auth === "none" ? undefined : context.credentials,
    configFile: files.configFile,
    storageDir: files.storageDir,
    logFile: files.logFile,
  };
};

/** True when the recorded process is still our registry and answers an authenticated `GET /v2/` with 200. */
export const isRegistryUp = (registry: TestRegistry | undefined): Effect.Effect<boolean> =>
  registry?.pid !== undefined && isOurProcess(registry.pid, servesConfig(registry.configFile))
    ? Effect.promise(() => pingRegistry(registry).catch(() => 0)).pipe(Effect.map((status) => status === 200))
    : Effect.succeed(false);

const writeFiles = (registry: TestRegistry, context: RegistryContext) =>
  Effect.gen(function* () {
    const dir = context.layout.registryDir(registry.kind);
    const files = registryFiles(dir);
    mkdirSync(files.storageDir, { recursive: true, mode: 0o700 });
    const config = buildRegistryConfig(registry.kind, {
      port: registry.port,
      registryDir: dir,
      secret: context.httpSecret,
      serverCert: context.certificates.serverCert,
      serverKey: context.certificates.serverKey,
      tokenAuth: context.tokenAuth,
    });
    if (registry.kind === "token" && !config.auth?.token) {
      return yield* new TestEnvironmentError({ step: step(registry.kind), reason: "needs the Harbor stand-in's token service, which is not running" });
    }
    if (config.auth?.htpasswd) {
      const line = yield* htpasswdLine(context.tools, context.credentials);
      writeFileSync(config.auth.htpasswd.path, `${line}\n`, { mode: 0o600 });
    }
    writeFileSync(files.configFile, renderRegistryConfig(config), { mode: 0o600 });
  });

// REGISTRY_* variables override the config file; a developer's shell must not reconfigure our registries.
const registryEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("REGISTRY_")));

const spawnRegistry = (registry: TestRegistry, context: RegistryContext) =>
  Effect.sync(() => {
    const fd = openSync(registry.logFile, "a", 0o600);
    try {
      const child = spawn(context.tools["docker-registry"], ["serve", registry.configFile], {
        detached: true,
        stdio: ["ignore", fd, fd],
        env: registryEnv(),
      });
      child.unref();
      return child.pid;
    } finally {
      closeSync(fd);
    }
  });

/** Waits until the registry answers `GET /v2/` as its kind should: 200 authorized, 401 without credentials. */
const awaitReady = (registry: TestRegistry, pid: number) =>
  Effect.gen(function* () {
    const answered = Effect.gen(function* () {
      if (!isOurProcess(pid, servesConfig(registry.configFile))) {
        const log = logTail(registry.logFile);
        if (/address already in use/.test(log)) return yield* new PortTaken({ port: registry.port });
        return yield* new TestEnvironmentError({ step: step(registry.kind), reason: `docker-registry (pid ${pid}) exited`, logTail: log });
      }
      const status = yield* Effect.promise(() => pingRegistry(registry).catch(() => 0));
      if (status !== 200) return yield* new NotReady({ reason: `GET ${registry.url}/v2/ answers ${status || "nothing"}` });
    });
    yield* pollUntilReady(answered, { intervalMs: 100, withinMs: 30_000 }, (last) =>
      new TestEnvironmentError({ step: step(registry.kind), reason: `${last.reason} after 30 s`, logTail: logTail(registry.logFile) }),
    );
    if (registry.credentials) {
      const anonymous = yield* Effect.promise(() => pingRegistry({ ...registry, credentials: undefined }).catch(() => 0));
      if (anonymous !== 401) {
        return yield* new TestEnvironmentError({
          step: step(registry.kind),
          reason: `GET /v2/ without credentials answers ${anonymous}, expected 401: auth is not on`,
        });
      }
    }
  });

const startOn = (kind: RegistryKind, port: number, context: RegistryContext) =>
  Effect.gen(function* () {
    const registry = describeRegistry(kind, port, context);
    yield* writeFiles(registry, context);
    const pid = yield* spawnRegistry(registry, context);
    if (pid === undefined) {
      return yield* new TestEnvironmentError({ step: step(kind), reason: "could not start docker-registry", logTail: logTail(registry.logFile) });
    }
    yield* awaitReady(registry, pid).pipe(Effect.onError(() => terminate(step(kind), pid).pipe(Effect.ignore)));
    return { ...registry, pid };
  });

/**
 * Starts the registry of `kind`. With `port: "same"` it must come back on the previous port (restarts
 * keep image references valid); otherwise the previous port is preferred and a free one taken when it is busy.
 */
export const startRegistry = (
  kind: RegistryKind,
  context: RegistryContext,
  previous: TestRegistry | undefined,
  port: "same" | "any" = "any",
): Effect.Effect<TestRegistry, TestEnvironmentError> => {
  if (port === "same") {
    if (previous === undefined) {
      return Effect.fail(new TestEnvironmentError({ step: step(kind), reason: "has never run, so it has no port to restart on" }));
    }
    return startOn(kind, previous.port, context).pipe(
      Effect.catchTag("PortTaken", (taken) =>
        Effect.fail(new TestEnvironmentError({ step: step(kind), reason: `port ${taken.port} was taken by another process` })),
      ),
    );
  }
  const pickPort = Effect.gen(function* () {
    if (previous !== undefined && (yield* isPortFree(previous.port))) return previous.port;
    return yield* freePort;
  });
  return pickPort.pipe(
    Effect.flatMap((chosen) => startOn(kind, chosen, context)),
    // Losing the race for a port is retried on a fresh one, a few times.
    Effect.retry({ schedule: Schedule.recurs(5), while: (error) => error._tag === "PortTaken" }),
    Effect.catchTag("PortTaken", (taken) =>
      Effect.fail(new TestEnvironmentError({ step: step(kind), reason: `lost the race for a free port (last ${taken.port}) six times` })),
    ),
  );
};

/** Stops the registry process we started (checking the pid still is it); the port and storage stay recorded. */
export const stopRegistryProcess = (registry: TestRegistry): Effect.Effect<TestRegistry, TestEnvironmentError> =>
  Effect.gen(function* () {
    if (registry.pid !== undefined && isOurProcess(registry.pid, servesConfig(registry.configFile))) {
      yield* terminate(step(registry.kind), registry.pid);
    }
    const { pid: _pid, ...stopped } = registry;
    return stopped;
  });

/** Empties a stopped registry's storage. */
export const emptyStorage = (registry: TestRegistry): Effect.Effect<void> =>
  Effect.sync(() => rmSync(registry.storageDir, { recursive: true, force: true }));
