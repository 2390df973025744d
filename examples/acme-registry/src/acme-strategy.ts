import type { DependencyContainer } from "tsyringe";
import { defineStrategy, registerStrategy, registryPushStrategy, type PushStrategy, type RegistryPushOptions, type StrategyOptions } from "skopush";

/** Options of the Acme strategy. */
export interface AcmeStrategyOptions extends StrategyOptions {
  /** The Acme registry hosts (`host[:port]`) it pushes to; every other destination skips it. */
  readonly hosts: ReadonlyArray<string>;
  /** Acme accepts at most this many uploads of one push at once. @default 2 */
  readonly concurrency?: number | undefined;
  /** Anything else for the registry client underneath. */
  readonly registry?: Omit<RegistryPushOptions, "name" | "concurrency"> | undefined;
}

/** Where a container may hold {@link AcmeStrategyOptions} for registrations that pass none. */
export const ACME_STRATEGY_OPTIONS = Symbol.for("skopush-example/AcmeStrategyOptions");

/**
 * Pushes to Acme Registry with skopush's registry client, at Acme's upload concurrency, and only there:
 * `supports(request)` answers for Acme's hosts, so the chain skips it for any other destination
 * without probing it.
 */
export const acmeStrategy = defineStrategy<AcmeStrategyOptions, "acme">({
  name: "acme",
  optionsToken: ACME_STRATEGY_OPTIONS,
  create: (options): PushStrategy => {
    const hosts = new Set((options.hosts ?? []).map((host) => host.toLowerCase()));
    const name = options.name ?? "acme";
    const client = registryPushStrategy.create({ ...options.registry, name, concurrency: options.concurrency ?? 2 });
    return {
      name,
      supports: (request) => hosts.has(request.destination.registry.toLowerCase()),
      probe: () => client.probe(),
      push: (request, progress) => client.push(request, progress),
    };
  },
});

/** Appends the Acme strategy to `container`'s chain, with `options` for this registration alone. */
export const registerAcmeStrategy = (container: DependencyContainer, options: AcmeStrategyOptions): DependencyContainer =>
  registerStrategy(container, acmeStrategy, options);
