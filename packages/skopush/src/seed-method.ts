/** The seed API's `method`: how the image was pushed, in the seed tool's words. */
export type SeedMethod = "docker" | "native" | "registry";

/** The strategies each seed method covers, in the order they are tried. */
export const SEED_METHOD_STRATEGIES: Readonly<Record<SeedMethod, ReadonlyArray<string>>> = {
  // Both run skopeo inside the resident container; dockerode needs no docker CLI on the host.
  docker: ["docker-exec", "dockerode"],
  native: ["native"],
  registry: ["registry"],
};

/** The seed method of a strategy; a custom strategy keeps its own name. */
export const seedMethodOf = (strategy: string): SeedMethod | string => {
  for (const [method, strategies] of Object.entries(SEED_METHOD_STRATEGIES)) {
    if (strategies.includes(strategy)) return method as SeedMethod;
  }
  return strategy;
};
