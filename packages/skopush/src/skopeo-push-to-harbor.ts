import { createDefaultContainer } from "./default-container.js";
import { seedPush, strategiesForMethods } from "./seed-push.js";
import type { SeedMethod } from "./seed-method.js";
import type { SeedPushResult, SkopeoPushToHarborOptions } from "./seed-types.js";

/** The methods `skopeoPushToHarbor` tries, in order. */
export const seedMethods = (options: Pick<SkopeoPushToHarborOptions, "preferDocker" | "registryFallback">): SeedMethod[] => [
  ...((options.preferDocker ?? true) ? (["docker"] as const) : []),
  "native",
  ...(options.registryFallback ? (["registry"] as const) : []),
];

/**
 * The seed tool's `skopeo_push_to_harbor`, same behaviour in TypeScript: skopeo in the resident
 * container first (unless `preferDocker` is false), then the host's skopeo, then an error whose message
 * lists why each method could not push. Resolves `{ status, image, method, message, digest, attempts }`;
 * never rejects on a push failure. TLS is verified unless `tlsVerify: false` or the URL is `http://`.
 */
export const skopeoPushToHarbor = (options: SkopeoPushToHarborOptions): Promise<SeedPushResult> => {
  const container = options.container ?? createDefaultContainer();
  return seedPush(container, strategiesForMethods(container, seedMethods(options)), options);
};
