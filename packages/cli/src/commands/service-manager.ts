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

/** The Docker-backed manager. */
export const defaultServiceManager: CreateServiceManager = () => {
  throw new Error("WIP: wired to SkopeoContainerManager when the containers branch lands");
};
