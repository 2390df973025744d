import { registerStrategy } from "@skopush/core";
import { FakePushStrategy } from "@skopush/testkit";
import type { StrategyCatalog, StrategyName, StrategyRegistrationContext } from "skopush";

/** A catalog that registers the given fakes under the default names and records what each entry received. */
export const fakeCatalog = (fakes: Partial<Record<StrategyName, FakePushStrategy>> = {}) => {
  const received = new Map<StrategyName, StrategyRegistrationContext<object>>();
  const entry =
    (name: StrategyName) =>
    (container: Parameters<StrategyCatalog[StrategyName]>[0], context: StrategyRegistrationContext<object>) => {
      received.set(name, context);
      registerStrategy(container, fakes[name] ?? FakePushStrategy.succeeding(name));
    };
  const catalog: StrategyCatalog = {
    "docker-exec": entry("docker-exec"),
    dockerode: entry("dockerode"),
    native: entry("native"),
    registry: entry("registry"),
  };
  return { catalog, received };
};
