import type { DependencyContainer } from "tsyringe";
import { createDefaultContainer } from "skopush";
import { RELEASE_NOTIFIER, RELEASE_REPOSITORY, type ReleaseNotifier } from "./release-publisher.js";

/** The application's composition root: skopush's default chain and providers, and the app's own parts. */
export const productionContainer = (repository: string, notifier: ReleaseNotifier): DependencyContainer => {
  const container = createDefaultContainer();
  container.register(RELEASE_REPOSITORY, { useValue: repository });
  container.register<ReleaseNotifier>(RELEASE_NOTIFIER, { useValue: notifier });
  return container;
};
