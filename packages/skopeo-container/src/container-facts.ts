/** One mount of a container, as the Engine API's container inspect reports it. */
export interface ContainerMount {
  readonly type: string;
  /** The host path (bind mounts) or the volume's data directory. */
  readonly source: string;
  readonly destination: string;
  readonly readWrite: boolean;
}

/** What the container strategies need to know about the resident container. */
export interface ContainerFacts {
  readonly id: string;
  readonly name: string;
  /** `running`, `exited`, `created`, `paused`, `restarting`, `dead`… */
  readonly status: string;
  readonly running: boolean;
  /** The image the container was created from, as given (`quay.io/skopeo/stable`). */
  readonly image: string;
  readonly mounts: ReadonlyArray<ContainerMount>;
  /** `host`, `bridge`, `default`, `none`, `container:<id>` or a user-defined network's name. */
  readonly networkMode: string;
}

type Json = Record<string, unknown>;
const object = (value: unknown): Json => (typeof value === "object" && value !== null ? (value as Json) : {});
const text = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * Reads container facts from the Engine API's `GET /containers/{id}/json` answer, which is also what
 * `docker container inspect` prints (as a one-element array).
 */
export const parseContainerInspect = (inspect: unknown): ContainerFacts => {
  const root = object(Array.isArray(inspect) ? inspect[0] : inspect);
  const state = object(root.State);
  const mounts = Array.isArray(root.Mounts) ? root.Mounts.map(object) : [];
  const paused = state.Paused === true;
  return {
    id: text(root.Id),
    name: text(root.Name).replace(/^\//, ""),
    status: text(state.Status) || (state.Running === true ? "running" : "unknown"),
    running: state.Running === true && !paused && state.Restarting !== true,
    image: text(object(root.Config).Image) || text(root.Image),
    mounts: mounts.map((m) => ({
      type: text(m.Type),
      source: text(m.Source),
      destination: text(m.Destination),
      readWrite: m.RW !== false,
    })),
    networkMode: text(object(root.HostConfig).NetworkMode) || "default",
  };
};

/** True when the container shares the host's network namespace, so its 127.0.0.1 is the host's. */
export const usesHostNetwork = (facts: ContainerFacts): boolean => facts.networkMode === "host";
