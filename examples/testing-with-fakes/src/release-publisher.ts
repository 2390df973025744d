import { inject, injectable } from "tsyringe";
import { Pusher } from "@skopush/core";

/** Told about every published release: a chat message, a deployment trigger. */
export interface ReleaseNotifier {
  published(release: PublishedRelease): Promise<void> | void;
}

/** The DI token of the {@link ReleaseNotifier}. */
export const RELEASE_NOTIFIER = Symbol.for("@skopush/example-testing-with-fakes/ReleaseNotifier");

/** The DI token of the repository releases are pushed to, e.g. `harbor.example.com/shop/web`. */
export const RELEASE_REPOSITORY = Symbol.for("@skopush/example-testing-with-fakes/ReleaseRepository");

/** A release the registry holds. */
export interface PublishedRelease {
  readonly version: string;
  /** `repository:version@digest`: what a deployment should pin. */
  readonly pinned: string;
  readonly pushedWith: string;
}

/** What {@link ReleasePublisher.publish} answers. */
export type PublishOutcome =
  | ({ readonly ok: true } & PublishedRelease)
  | { readonly ok: false; readonly reason: string; readonly retryable: boolean; readonly error: string };

/** Pushes a release's image tarball and tells the notifier, only once the registry has it. */
@injectable()
export class ReleasePublisher {
  constructor(
    @inject(Pusher) private readonly pusher: Pusher,
    @inject(RELEASE_NOTIFIER) private readonly notifier: ReleaseNotifier,
    @inject(RELEASE_REPOSITORY) private readonly repository: string,
  ) {}

  async publish(version: string, archive: string, signal?: AbortSignal): Promise<PublishOutcome> {
    const result = await this.pusher.push({ archive, destination: `${this.repository}:${version}`, signal });
    if (result.status === "error") return { ok: false, reason: result.message, retryable: result.retryable, error: result.error };
    const release = { version, pinned: `${result.image}@${result.digest}`, pushedWith: result.method };
    await this.notifier.published(release);
    return { ok: true, ...release };
  }
}
