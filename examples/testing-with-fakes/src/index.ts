import "reflect-metadata";

export { productionContainer } from "./production-container.js";
export {
  RELEASE_NOTIFIER,
  RELEASE_REPOSITORY,
  ReleasePublisher,
  type PublishedRelease,
  type PublishOutcome,
  type ReleaseNotifier,
} from "./release-publisher.js";
