import { Effect } from "effect";
import { TestEnvironmentError } from "./errors.js";
import { tokenAuthOf } from "./harbor-stand-in.js";
import { ensureTools } from "./install.js";
import { withStateLock } from "./lock.js";
import { layoutOf, resolveStateDir, type EnvironmentOptions } from "./paths.js";
import type { RegistryKind } from "./registry-kinds.js";
import { emptyStorage, startRegistry, stopRegistryProcess, type RegistryContext } from "./registries.js";
import { loadState, runEnvironment, saveState } from "./state-effects.js";
import type { TestRegistry } from "./state.js";

const changeRegistry = (
  kind: RegistryKind,
  options: EnvironmentOptions,
  change: (registry: TestRegistry, context: RegistryContext) => Effect.Effect<TestRegistry, TestEnvironmentError>,
): Promise<TestRegistry> => {
  const layout = layoutOf(resolveStateDir(options.stateDir));
  return runEnvironment(
    withStateLock(
      layout.lockFile,
      Effect.gen(function* () {
        const state = yield* loadState(layout);
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
          tokenAuth: tokenAuthOf(state.harbor, layout),
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
