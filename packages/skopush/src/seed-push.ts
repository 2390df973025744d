import {
  FALLBACK_CHAIN_OPTIONS,
  FallbackChain,
  ImageReference,
  InvalidReference,
  parseRegistryEndpoint,
  PUSH_STRATEGY,
  resolvePusher,
  type FallbackChainOptions,
  type PushStrategy,
} from "@skopush/core";
import type { DependencyContainer } from "tsyringe";
import { harborImageReferenceOrThrow } from "./harbor-reference.js";
import { progressCallbackSink } from "./progress-callback.js";
import { SEED_METHOD_STRATEGIES, seedMethodOf, type SeedMethod } from "./seed-method.js";
import type { SeedPushError, SeedPushResult, SeedPushTarget } from "./seed-types.js";

/** The strategies registered in `container` that serve `methods`, in method order, then registration order. */
export const strategiesForMethods = (container: DependencyContainer, methods: ReadonlyArray<SeedMethod>): PushStrategy[] => {
  const registered = container.isRegistered(PUSH_STRATEGY, true) ? container.resolveAll<PushStrategy>(PUSH_STRATEGY) : [];
  return methods.flatMap((method) => registered.filter((strategy) => SEED_METHOD_STRATEGIES[method].includes(strategy.name)));
};

/** The seed tool's image string, even for input that does not parse (so an error still names it). */
const imageOf = (target: SeedPushTarget): string => {
  const endpoint = parseRegistryEndpoint(target.harborUrl);
  const host = endpoint instanceof InvalidReference ? target.harborUrl.replace(/^[a-z]+:\/\//i, "") : endpoint.host;
  return `${host}/${target.project}/${target.repository}:${target.tag ?? "latest"}`;
};

const failure = (image: string, message: string, error: SeedPushError["error"]): SeedPushError => ({
  status: "error",
  image,
  message,
  error,
  attempts: [],
  durationMs: 0,
});

/**
 * Pushes `target` with `strategies` through a chain built for this call, with the credentials providers
 * of `container` when no username and password are given. Resolves in every case; never rejects on a
 * push failure.
 */
export const seedPush = async (
  container: DependencyContainer,
  strategies: ReadonlyArray<PushStrategy>,
  target: SeedPushTarget,
): Promise<SeedPushResult> => {
  const image = imageOf(target);
  if ((target.username === undefined) !== (target.password === undefined)) {
    return failure(image, "[skopush] give both username and password, or neither (then the environment and auth files are asked)", "CredentialsError");
  }
  let destination: ImageReference;
  try {
    destination = harborImageReferenceOrThrow({
      harborUrl: target.harborUrl,
      project: target.project,
      repository: target.repository,
      tag: target.tag,
    });
  } catch (error) {
    if (error instanceof InvalidReference) return failure(image, error.message, "InvalidReference");
    throw error;
  }
  const endpoint = parseRegistryEndpoint(target.harborUrl);
  const plainHttp = !(endpoint instanceof InvalidReference) && endpoint.scheme === "http";
  const child = container.createChildContainer();
  child.register(FallbackChain, { useValue: new FallbackChain(strategies, resolveChainOptions(container)) });
  const result = await resolvePusher(child).push({
    archive: target.tarFile,
    destination,
    credentials: target.username === undefined ? undefined : { username: target.username, password: target.password ?? "" },
    tls: { verify: plainHttp ? false : (target.tlsVerify ?? true), caFile: target.caFile },
    signal: target.signal,
    onProgress: target.progressCallback === undefined ? undefined : progressCallbackSink(target.progressCallback),
  });
  if (result.status === "success") {
    const method = seedMethodOf(result.method);
    return {
      status: "success",
      image: result.image,
      method,
      strategy: result.method,
      message: `pushed ${result.image} with ${method}${method === result.method ? "" : ` (${result.method})`}`,
      digest: result.digest,
      attempts: result.attempts,
      durationMs: result.durationMs,
    };
  }
  return {
    status: "error",
    image: result.image ?? image,
    message: result.message,
    error: result.error,
    attempts: result.attempts,
    durationMs: result.durationMs,
  };
};

const resolveChainOptions = (container: DependencyContainer): FallbackChainOptions | undefined =>
  container.isRegistered(FALLBACK_CHAIN_OPTIONS, true) ? container.resolve<FallbackChainOptions>(FALLBACK_CHAIN_OPTIONS) : undefined;
