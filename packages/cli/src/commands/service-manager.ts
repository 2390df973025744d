import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { SkopeoContainerManager, type SkopeoContainerStatus } from "@skopush/strategy-dockerode";

/** What `skopush service status` reports about the resident container. */
export interface ResidentContainerStatus {
  readonly name: string;
  readonly exists: boolean;
  readonly running: boolean;
  readonly image?: string | undefined;
  readonly id?: string | undefined;
  /** `host:container` bind mounts. */
  readonly mounts?: ReadonlyArray<{ readonly source: string; readonly destination: string }> | undefined;
  readonly network?: string | undefined;
  /** Something the action wants the user to know, e.g. that `create` found the container already there. */
  readonly note?: string | undefined;
}

/** How the resident container is created. */
export interface ResidentContainerSpec {
  readonly name: string;
  /** @default quay.io/skopeo/stable */
  readonly image?: string | undefined;
  /** The host side of the shared directory. */
  readonly sharedDir: string;
  readonly network?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Manages the resident skopeo container: what users did by hand with docker run/start/stop/logs/rm. */
export interface ServiceManager {
  create(): Promise<ResidentContainerStatus>;
  start(): Promise<ResidentContainerStatus>;
  stop(): Promise<ResidentContainerStatus>;
  restart(): Promise<ResidentContainerStatus>;
  status(): Promise<ResidentContainerStatus>;
  logs(options: { readonly tail?: number | undefined }): Promise<string>;
  remove(): Promise<ResidentContainerStatus>;
}

/** Makes the manager for one container spec. */
export type CreateServiceManager = (spec: ResidentContainerSpec) => ServiceManager;

/** The Docker-backed manager: skopush's `SkopeoContainerManager` over the Engine API (`DOCKER_HOST`). */
export const defaultServiceManager: CreateServiceManager = (spec) => {
  const manager = new SkopeoContainerManager({
    containerName: spec.name,
    image: spec.image,
    sharedDir: { hostPath: spec.sharedDir },
    networkMode: spec.network,
    env: spec.env,
  });
  // Every action but logs also removes what pushes killed before their cleanup left (their process is gone).
  const status = async (note?: string): Promise<ResidentContainerStatus> => {
    const reaped = await runEffect(manager.reapDeadPushes());
    const notes = [note, reaped.length > 0 ? `removed ${reaped.length} leftover${reaped.length === 1 ? "" : "s"} of killed pushes` : undefined].filter(Boolean);
    return { ...statusOf(spec.name, await runEffect(manager.status())), ...(notes.length > 0 ? { note: notes.join("; ") } : {}) };
  };
  return {
    create: async () => {
      const before = statusOf(spec.name, await runEffect(manager.status()));
      await runEffect(manager.ensure());
      return status(before.exists ? "it already existed; started if it was stopped" : undefined);
    },
    start: async () => {
      await runEffect(manager.start());
      return status();
    },
    stop: async () => {
      await runEffect(manager.stop());
      return status();
    },
    restart: async () => {
      await runEffect(manager.restart());
      return status();
    },
    status: () => status(),
    logs: ({ tail }) => runEffect(manager.logs(tail)),
    remove: async () => {
      await runEffect(manager.remove());
      return status();
    },
  };
};

const statusOf = (name: string, status: SkopeoContainerStatus): ResidentContainerStatus =>
  status.state === "missing"
    ? { name, exists: false, running: false }
    : {
        name,
        exists: true,
        running: status.state === "running",
        image: status.facts.image,
        id: status.facts.id.slice(0, 12),
        mounts: status.facts.mounts.map((mount) => ({ source: mount.source, destination: mount.destination })),
        network: status.facts.networkMode,
      };

/** Runs an effect; rejects with its typed error (an `Error` whose message says what to do). */
const runEffect = async <A, E>(effect: Effect.Effect<A, E>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  throw Cause.squash(exit.cause);
};
