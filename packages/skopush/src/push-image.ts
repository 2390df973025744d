import { resolvePusher, type PushImageOptions, type PushResult } from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { createDefaultContainer, type DefaultContainerOptions } from "./default-container.js";

/** Options of {@link pushImage}: what to push where, and how the default chain is set up. */
export interface DefaultPushImageOptions extends PushImageOptions, DefaultContainerOptions {
  /** Push with this container's strategies and providers instead of building the default container. */
  readonly container?: DependencyContainer | undefined;
}

/**
 * Pushes an image archive with the default chain (or `container`'s). Resolves a `PushResult` in every
 * case: `{ status: "success", image, digest, method, … }` or `{ status: "error", message, error, … }`;
 * rejects only when `container` cannot build a chain (no strategy registered, another tsyringe's container).
 */
export const pushImage = async (options: DefaultPushImageOptions): Promise<PushResult> =>
  // async: a container that cannot build a Pusher rejects the promise rather than throwing at the call.
  resolvePusher(options.container ?? createDefaultContainer(options)).push(options);
