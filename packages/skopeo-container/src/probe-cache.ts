import type { ProbeCacheTtl } from "@skopush/core";

/**
 * Probe answers are kept briefly: the chain probes before every push, and a probe of a container
 * strategy costs two or three round trips to the daemon (inspect, an exec), which adds up when many
 * pushes start together. "Available" is kept 5 s: long enough to share among a burst of pushes, short
 * enough that a stopped container is noticed soon (a push that meets it fails with an environment fault,
 * which also clears the cache). "Unavailable" is kept 1 s, so that `docker start` is picked up at once.
 */
export const DEFAULT_PROBE_CACHE_TTL: ProbeCacheTtl = { availableMs: 5_000, unavailableMs: 1_000 };
