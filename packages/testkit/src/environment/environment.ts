import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { Effect } from "effect";
import { ensureCertificates } from "./certificates.js";
import { mayStopDockerd } from "./docker-users.js";
import { ensureDockerd, stopDockerd } from "./dockerd.js";
import { TestEnvironmentError } from "./errors.js";
import {
  connectHarborStandIn,
  ensureTokenSigner,
  isHarborStandInUp,
  standInConfigIsCurrent,
  startHarborStandIn,
  stopHarborStandIn,
  tokenAuthOf,
  type HarborStandInState,
} from "./harbor-stand-in.js";
import { generatePassword, ROBOT_USERNAME } from "./htpasswd.js";
import { ensureTools, type Tools } from "./install.js";
import { withStateLock } from "./lock.js";
import { layoutOf, resolveStateDir, type EnvironmentOptions } from "./paths.js";
import { ensureOtherUser } from "./other-user.js";
import { isOurProcess } from "./process.js";
import { buildRegistryConfig, renderRegistryConfig } from "./registry-config.js";
import { REGISTRY_KINDS, type RegistryKind } from "./registry-kinds.js";
import { isRegistryUp, startRegistry, stopRegistryProcess, type RegistryContext } from "./registries.js";
import { ensureSkopeoImage } from "./skopeo-image.js";
import { loadState, runEnvironment, saveState } from "./state-effects.js";
import type { EnvironmentState, TestRegistry } from "./state.js";
import { TestEnvironment } from "./test-environment.js";

/** Options of {@link startTestEnvironment}. */
export interface StartTestEnvironmentOptions extends EnvironmentOptions {
  /** The registries to run (`token` also runs the Harbor stand-in). @default every kind: plain, tls, basic, token */
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
  /** The HarborApiStandIn process (the `token` registry's token service). */
  readonly harborStandIn?: boolean | undefined;
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
  readonly only?: Pick<StartedParts, "dockerd" | "registries" | "harborStandIn"> | undefined;
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const started = performance.now();
    const value = yield* effect;
    return [value, Math.round(performance.now() - started)] as const;
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
    tokenAuth: context.tokenAuth,
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
      const previous = yield* loadState(layout);
      const [tools, install] = yield* timed(ensureTools(log));
      log(`tools: ok (${install} ms)`);
      const otherUser = yield* ensureOtherUser(tools);
      log(`second user: ${otherUser.name} (uid ${otherUser.uid}, gid ${otherUser.gid})`);
      const [daemon, dockerd] = yield* timed(ensureDockerd(tools, layout.dockerdLog, previous?.docker));
      const docker = daemon.docker;
      log(`dockerd: ${daemon.startedNow ? `started (pid ${docker.pid})` : "already running"} on ${docker.socket} (${dockerd} ms)`);
      const [image, skopeoImage] = options.skopeoImage === false
        ? [undefined, 0]
        : yield* timed(ensureSkopeoImage(tools, docker.socket, layout.stateDir));
      if (image) log(`skopeo image: ${image.image.name} skopeo ${image.image.skopeoVersion} ${image.built ? "built" : "present"} (${skopeoImage} ms)`);
      const [certs, certificates] = yield* timed(ensureCertificates(tools, layout));
      log(`certificates: ${certs.created ? "created" : "present"} in ${layout.certsDir} (${certificates} ms)`);
      const credentials = previous?.credentials ?? { username: ROBOT_USERNAME, password: generatePassword() };
      let harbor: HarborStandInState | undefined = previous?.harbor;
      let harborStarted = false;
      if (kinds.includes("token")) {
        yield* ensureTokenSigner(tools, layout);
        const reusable = !certs.created && harbor !== undefined && standInConfigIsCurrent(harbor, certs.certificates, layout);
        if (reusable && (yield* isHarborStandInUp(harbor))) {
          log(`harbor stand-in: already running at ${harbor!.url} (pid ${harbor!.pid})`);
        } else {
          if (harbor) harbor = yield* stopHarborStandIn(harbor);
          const [standIn, ms] = yield* timed(startHarborStandIn(layout, certs.certificates, credentials, harbor));
          harbor = standIn;
          harborStarted = true;
          log(`harbor stand-in: started at ${standIn.url} (pid ${standIn.pid}, ${ms} ms)`);
        }
      }
      const context: RegistryContext = {
        tools,
        layout,
        certificates: certs.certificates,
        credentials,
        httpSecret: previous?.httpSecret ?? randomBytes(24).toString("base64url"),
        tokenAuth: tokenAuthOf(harbor, layout),
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
        harbor,
        otherUser,
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
      const tokenRegistry = registries.token;
      if (harbor !== undefined && tokenRegistry?.pid !== undefined) yield* connectHarborStandIn(harbor, tokenRegistry);
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
        harborStandIn: harborStarted,
      };
      return { environment: new TestEnvironment(state), started, timings } satisfies StartedTestEnvironment;
    }),
  );
};

/** Installs the missing host programs with apt-get (as root; otherwise fails with the command to run). */
export const installTools = (options: { readonly log?: ((line: string) => void) | undefined } = {}): Promise<Tools> =>
  runEnvironment(ensureTools(options.log));

/**
 * Brings the environment up, idempotently: installs what is missing (as root), starts dockerd if no
 * daemon answers, builds the skopeo image if missing, creates the certificates, reuses live registries
 * and starts the others. Reports what it started, so a caller can stop exactly that.
 */
export const startTestEnvironment = (options: StartTestEnvironmentOptions = {}): Promise<StartedTestEnvironment> =>
  runEnvironment(startProgram(options));

/**
 * Stops what the environment started (every registry, and dockerd if it started it, unless
 * `SKOPUSH_STOP_DOCKERD=0` or another live environment uses that daemon), or only `options.only`.
 */
export const stopTestEnvironment = (options: StopTestEnvironmentOptions = {}): Promise<void> => {
  const layout = layoutOf(resolveStateDir(options.stateDir));
  if (!existsSync(layout.stateFile)) return Promise.resolve();
  return runEnvironment(
    withStateLock(
      layout.lockFile,
      Effect.gen(function* () {
        const state = yield* loadState(layout);
        if (state === undefined) return;
        const registries = { ...state.registries };
        for (const kind of options.only?.registries ?? REGISTRY_KINDS) {
          const registry = registries[kind];
          if (registry) registries[kind] = yield* stopRegistryProcess(registry);
        }
        let harbor = state.harbor;
        if (harbor && (options.only === undefined || options.only.harborStandIn)) harbor = yield* stopHarborStandIn(harbor);
        let docker = state.docker;
        // A daemon another environment still uses is left to it (see docker-users.ts).
        if ((options.only === undefined ? docker.startedByUs : options.only.dockerd) && mayStopDockerd(docker.socket, layout.stateDir)) {
          yield* stopDockerd(docker);
          docker = { socket: docker.socket, startedByUs: false };
        }
        yield* saveState(layout, { ...state, docker, registries, harbor });
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
  return runEnvironment(
    Effect.gen(function* () {
      const state = yield* loadState(layout);
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
      const harbor = state.harbor;
      if (state.registries.token?.pid !== undefined && (harbor?.pid === undefined || !isOurProcess(harbor.pid, (argv) => argv.includes(harbor.configFile)))) {
        return yield* new TestEnvironmentError({ step: "load", reason: `the Harbor stand-in of ${layout.stateDir} is not running`, fix });
      }
      return new TestEnvironment(state);
    }),
  );
};

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
  return runEnvironment(
    Effect.gen(function* () {
      const state = yield* loadState(layout);
      if (state === undefined) return undefined;
      const registries: RegistryStatus[] = [];
      for (const registry of Object.values(state.registries)) registries.push({ registry, up: yield* isRegistryUp(registry) });
      return { state, registries };
    }),
  );
};

