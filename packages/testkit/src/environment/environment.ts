import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { Cause, Effect, Exit } from "effect";
import { ensureCertificates } from "./certificates.js";
import { ensureDockerd, stopDockerd } from "./dockerd.js";
import { TestEnvironmentError } from "./errors.js";
import { generatePassword, ROBOT_USERNAME } from "./htpasswd.js";
import { ensureTools, type Tools } from "./install.js";
import { withStateLock } from "./lock.js";
import { layoutOf, resolveStateDir, type EnvironmentLayout } from "./paths.js";
import { isOurProcess } from "./process.js";
import { buildRegistryConfig, renderRegistryConfig } from "./registry-config.js";
import { REGISTRY_KINDS, type RegistryKind } from "./registry-kinds.js";
import {
  emptyStorage,
  isRegistryUp,
  startRegistry,
  stopRegistryProcess,
  type RegistryContext,
} from "./registries.js";
import { ensureSkopeoImage, SKOPEO_IMAGE } from "./skopeo-image.js";
import { readState, writeState, type EnvironmentState, type TestRegistry } from "./state.js";

/** Where the environment lives. */
export interface EnvironmentOptions {
  /** @default $SKOPUSH_ENV_DIR, else `<repo>/.skopush-env` */
  readonly stateDir?: string | undefined;
}

/** Options of {@link startTestEnvironment}. */
export interface StartTestEnvironmentOptions extends EnvironmentOptions {
  /** The registries to run. @default every kind: plain, tls, basic */
  readonly registries?: ReadonlyArray<RegistryKind> | undefined;
  /** Build (when missing) and check the skopeo image. @default true */
  readonly skopeoImage?: boolean | undefined;
  /** Receives one line per step. @default ignored */
  readonly log?: ((line: string) => void) | undefined;
}

/** What a start brought up itself, as opposed to what it found running: what its caller should stop. */
export interface StartedParts {
  readonly dockerd: boolean;
  readonly registries: ReadonlyArray<RegistryKind>;
  readonly skopeoImageBuilt: boolean;
  readonly certificatesCreated: boolean;
}

/** The result of {@link startTestEnvironment}. */
export interface StartedTestEnvironment {
  readonly environment: TestEnvironment;
  readonly started: StartedParts;
  /** Milliseconds per step. */
  readonly timings: Readonly<Record<"install" | "dockerd" | "skopeoImage" | "certificates" | "registries" | "total", number>>;
}

/** Options of {@link stopTestEnvironment}. */
export interface StopTestEnvironmentOptions extends EnvironmentOptions {
  /** Stop only these parts (what a start reported as started). @default every registry, and dockerd if we started it */
  readonly only?: Pick<StartedParts, "dockerd" | "registries"> | undefined;
}

/** The running environment, as tests see it. */
export class TestEnvironment {
  constructor(
    /** Everything `state.json` records. */
    readonly state: EnvironmentState,
  ) {}

  /** The directory holding the state, certificates, storage and logs. */
  get stateDir(): string {
    return this.state.stateDir;
  }

  /** The Docker daemon socket. */
  get dockerSocket(): string {
    return this.state.docker.socket;
  }

  /** The skopeo image for the container strategies. */
  get skopeoImage(): string {
    return this.state.skopeoImage?.name ?? SKOPEO_IMAGE;
  }

  /** The running registries. */
  get registries(): ReadonlyArray<TestRegistry> {
    return REGISTRY_KINDS.flatMap((kind) => {
      const registry = this.state.registries[kind];
      return registry?.pid === undefined ? [] : [registry];
    });
  }

  /** The registry of `kind`; throws when this environment does not run it. */
  registry(kind: RegistryKind): TestRegistry {
    const registry = this.state.registries[kind];
    if (registry?.pid === undefined) {
      throw new TestEnvironmentError({
        step: `registry ${kind}`,
        reason: `not running in the environment in ${this.stateDir}`,
        fix: "run npm run env:up",
      });
    }
    return registry;
  }
}

const run = async <A>(effect: Effect.Effect<A, TestEnvironmentError>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  throw Cause.squash(exit.cause);
};

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const started = performance.now();
    const value = yield* effect;
    return [value, Math.round(performance.now() - started)] as const;
  });

const readStateOrFail = (layout: EnvironmentLayout) =>
  Effect.try({
    try: () => readState(layout.stateFile),
    catch: (cause) =>
      new TestEnvironmentError({
        step: "state",
        reason: (cause as Error).message,
        fix: `stop any docker-registry processes serving ${layout.stateDir}, then remove ${layout.stateFile}`,
        cause,
      }),
  });

const saveState = (layout: EnvironmentLayout, state: Omit<EnvironmentState, "updatedAt">) =>
  Effect.try({
    try: () => writeState(layout.stateFile, { ...state, updatedAt: new Date().toISOString() }),
    catch: (cause) => new TestEnvironmentError({ step: "state", reason: `cannot write ${layout.stateFile}: ${String(cause)}`, cause }),
  });

// A registry started by an older version of this module keeps running its old config until restarted.
const configIsCurrent = (registry: TestRegistry, context: RegistryContext): boolean => {
  if (!existsSync(registry.configFile)) return false;
  const expected = buildRegistryConfig(registry.kind, {
    port: registry.port,
    registryDir: context.layout.registryDir(registry.kind),
    secret: context.httpSecret,
    serverCert: context.certificates.serverCert,
    serverKey: context.certificates.serverKey,
  });
  return readFileSync(registry.configFile, "utf8") === renderRegistryConfig(expected);
};

const startProgram = (options: StartTestEnvironmentOptions) => {
  const layout = layoutOf(resolveStateDir(options.stateDir));
  const log = options.log ?? (() => undefined);
  const kinds = options.registries ?? REGISTRY_KINDS;
  return withStateLock(
    layout.lockFile,
    Effect.gen(function* () {
      const begun = performance.now();
      mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
      const previous = yield* readStateOrFail(layout);
      const [tools, install] = yield* timed(ensureTools(log));
      log(`tools: ok (${install} ms)`);
      const [daemon, dockerd] = yield* timed(ensureDockerd(tools, layout.dockerdLog, previous?.docker));
      const docker = daemon.docker;
      log(`dockerd: ${daemon.startedNow ? `started (pid ${docker.pid})` : "already running"} on ${docker.socket} (${dockerd} ms)`);
      const [image, skopeoImage] = options.skopeoImage === false
        ? [undefined, 0]
        : yield* timed(ensureSkopeoImage(tools, docker.socket, layout.stateDir));
      if (image) log(`skopeo image: ${image.image.name} skopeo ${image.image.skopeoVersion} ${image.built ? "built" : "present"} (${skopeoImage} ms)`);
      const [certs, certificates] = yield* timed(ensureCertificates(tools, layout));
      log(`certificates: ${certs.created ? "created" : "present"} in ${layout.certsDir} (${certificates} ms)`);
      const context: RegistryContext = {
        tools,
        layout,
        certificates: certs.certificates,
        credentials: previous?.credentials ?? { username: ROBOT_USERNAME, password: generatePassword() },
        httpSecret: previous?.httpSecret ?? randomBytes(24).toString("base64url"),
      };
      const registries: Partial<Record<RegistryKind, TestRegistry>> = { ...previous?.registries };
      const current = (): Omit<EnvironmentState, "updatedAt"> => ({
        version: 1,
        stateDir: layout.stateDir,
        docker,
        skopeoImage: image?.image ?? previous?.skopeoImage,
        certificates: certs.certificates,
        credentials: context.credentials,
        httpSecret: context.httpSecret,
        registries: { ...registries },
      });
      yield* saveState(layout, current());
      const startedKinds: RegistryKind[] = [];
      const registriesBegun = performance.now();
      for (const kind of kinds) {
        const existing = registries[kind];
        const reusable = !certs.created && existing !== undefined && configIsCurrent(existing, context);
        if (reusable && (yield* isRegistryUp(existing))) {
          log(`registry ${kind}: already running at ${existing.url} (pid ${existing.pid})`);
          continue;
        }
        if (existing) registries[kind] = yield* stopRegistryProcess(existing);
        const [registry, ms] = yield* timed(startRegistry(kind, context, existing));
        registries[kind] = registry;
        startedKinds.push(kind);
        yield* saveState(layout, current());
        log(`registry ${kind}: started at ${registry.url} (pid ${registry.pid}, ${ms} ms)`);
      }
      const timings = {
        install,
        dockerd,
        skopeoImage,
        certificates,
        registries: Math.round(performance.now() - registriesBegun),
        total: Math.round(performance.now() - begun),
      };
      const state = { ...current(), updatedAt: new Date().toISOString() };
      yield* saveState(layout, state);
      const started: StartedParts = {
        dockerd: daemon.startedNow,
        registries: startedKinds,
        skopeoImageBuilt: image?.built ?? false,
        certificatesCreated: certs.created,
      };
      return { environment: new TestEnvironment(state), started, timings } satisfies StartedTestEnvironment;
    }),
  );
};

/** Installs the missing host programs with apt-get (as root; otherwise fails with the command to run). */
export const installTools = (options: { readonly log?: ((line: string) => void) | undefined } = {}): Promise<Tools> =>
  run(ensureTools(options.log));

/**
 * Brings the environment up, idempotently: installs what is missing (as root), starts dockerd if no
 * daemon answers, builds the skopeo image if missing, creates the certificates, reuses live registries
 * and starts the others. Reports what it started, so a caller can stop exactly that.
 */
export const startTestEnvironment = (options: StartTestEnvironmentOptions = {}): Promise<StartedTestEnvironment> =>
  run(startProgram(options));

/** Stops what the environment started (every registry, and dockerd if it started it), or only `options.only`. */
export const stopTestEnvironment = (options: StopTestEnvironmentOptions = {}): Promise<void> => {
  const layout = layoutOf(resolveStateDir(options.stateDir));
  if (!existsSync(layout.stateFile)) return Promise.resolve();
  return run(
    withStateLock(
      layout.lockFile,
      Effect.gen(function* () {
        const state = yield* readStateOrFail(layout);
        if (state === undefined) return;
        const registries = { ...state.registries };
        for (const kind of options.only?.registries ?? REGISTRY_KINDS) {
          const registry = registries[kind];
          if (registry) registries[kind] = yield* stopRegistryProcess(registry);
        }
        let docker = state.docker;
        if (options.only === undefined ? docker.startedByUs : options.only.dockerd) {
          yield* stopDockerd(docker);
          docker = { socket: docker.socket, startedByUs: false };
        }
        yield* saveState(layout, { ...state, docker, registries });
      }),
    ),
  );
};

/**
 * The running environment, for tests: reads `state.json` and checks that every recorded registry
 * process is alive; fails with "run npm run env:up" otherwise.
 */
export const loadTestEnvironment = (options: EnvironmentOptions = {}): Promise<TestEnvironment> => {
  const layout = layoutOf(resolveStateDir(options.stateDir));
  return run(
    Effect.gen(function* () {
      const state = yield* readStateOrFail(layout);
      const fix = "run npm run env:up (npm test starts it too), or check npm run env:status";
      if (state === undefined) {
        return yield* new TestEnvironmentError({ step: "load", reason: `no test environment in ${layout.stateDir}`, fix });
      }
      const down = Object.values(state.registries).filter(
        (registry) => registry.pid === undefined || !isOurProcess(registry.pid, (argv) => argv.includes(registry.configFile)),
      );
      if (down.length === Object.keys(state.registries).length) {
        return yield* new TestEnvironmentError({ step: "load", reason: `the test environment in ${layout.stateDir} is not up`, fix });
      }
      if (down.length > 0) {
        return yield* new TestEnvironmentError({
          step: "load",
          reason: `registry ${down.map((r) => r.kind).join(", ")} of ${layout.stateDir} is not running`,
          fix,
        });
      }
      return new TestEnvironment(state);
    }),
  );
};

const changeRegistry = (
  kind: RegistryKind,
  options: EnvironmentOptions,
  change: (registry: TestRegistry, context: RegistryContext) => Effect.Effect<TestRegistry, TestEnvironmentError>,
): Promise<TestRegistry> => {
  const layout = layoutOf(resolveStateDir(options.stateDir));
  return run(
    withStateLock(
      layout.lockFile,
      Effect.gen(function* () {
        const state = yield* readStateOrFail(layout);
        const registry = state?.registries[kind];
        if (state === undefined || registry === undefined) {
          return yield* new TestEnvironmentError({
            step: `registry ${kind}`,
            reason: `the environment in ${layout.stateDir} has no ${kind} registry`,
            fix: "run npm run env:up",
          });
        }
        const tools = yield* ensureTools();
        const context: RegistryContext = {
          tools,
          layout,
          certificates: state.certificates,
          credentials: state.credentials,
          httpSecret: state.httpSecret,
        };
        const changed = yield* change(registry, context);
        yield* saveState(layout, { ...state, registries: { ...state.registries, [kind]: changed } });
        return changed;
      }),
    ),
  );
};

/** Stops the registry of `kind`, keeping its port and storage, for fault tests; {@link restartRegistry} brings it back. */
export const stopRegistry = (kind: RegistryKind, options: EnvironmentOptions = {}): Promise<TestRegistry> =>
  changeRegistry(kind, options, (registry) => stopRegistryProcess(registry));

/** Stops (if running) and starts the registry of `kind` on the same port with the same storage. */
export const restartRegistry = (kind: RegistryKind, options: EnvironmentOptions = {}): Promise<TestRegistry> =>
  changeRegistry(kind, options, (registry, context) =>
    stopRegistryProcess(registry).pipe(Effect.flatMap((stopped) => startRegistry(kind, context, stopped, "same"))),
  );

/** Stops the registry of `kind`, empties its storage and starts it again on the same port: a cold registry for benchmarks. */
export const resetRegistryStorage = (kind: RegistryKind, options: EnvironmentOptions = {}): Promise<TestRegistry> =>
  changeRegistry(kind, options, (registry, context) =>
    stopRegistryProcess(registry).pipe(
      Effect.tap((stopped) => emptyStorage(stopped)),
      Effect.flatMap((stopped) => startRegistry(kind, context, stopped, "same")),
    ),
  );

/** One registry's recorded state and whether it answers now. */
export interface RegistryStatus {
  readonly registry: TestRegistry;
  readonly up: boolean;
}

/** The recorded environment and what answers right now, for `env:status`; undefined when there is none. */
export const environmentStatus = (
  options: EnvironmentOptions = {},
): Promise<{ readonly state: EnvironmentState; readonly registries: ReadonlyArray<RegistryStatus> } | undefined> => {
  const layout = layoutOf(resolveStateDir(options.stateDir));
  return run(
    Effect.gen(function* () {
      const state = yield* readStateOrFail(layout);
      if (state === undefined) return undefined;
      const registries: RegistryStatus[] = [];
      for (const registry of Object.values(state.registries)) registries.push({ registry, up: yield* isRegistryUp(registry) });
      return { state, registries };
    }),
  );
};

