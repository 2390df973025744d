import type { Readable } from "node:stream";

/** The container the manager creates. */
export interface ContainerCreateSpec {
  readonly name: string;
  readonly image: string;
  readonly command: ReadonlyArray<string>;
  /** `host:container` bind mounts. */
  readonly binds: ReadonlyArray<string>;
  readonly networkMode: string;
  readonly restartPolicy: "no" | "always" | "unless-stopped" | "on-failure";
  readonly labels: Readonly<Record<string, string>>;
}

/** Which stream a chunk of exec output came from. */
export type ExecStream = "stdout" | "stderr";

/** A process started in a container. */
export interface ExecHandle {
  /** The exec instance's id (for exec inspect). */
  readonly id: string;
  /** Resolves with the process's exit code once it ended and its output was delivered. */
  readonly exited: Promise<number>;
  /**
   * Closes the connection. A process started without `attachStdin` keeps running (stop it from inside the
   * container); with it, its stdin ends.
   */
  detach(): void;
}

/**
 * The slice of the Docker Engine API the dockerode strategy and the container manager use. The default
 * implementation wraps dockerode; unit tests pass a fake. Failures reject with the daemon's error (an
 * `Error` with `statusCode` for HTTP answers, `code` for connection errors).
 */
export interface DockerClient {
  /** A human description of the endpoint, e.g. `unix:///var/run/docker.sock`. */
  readonly endpoint: string;
  /** `GET /_ping`, abandoned after `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  /** `GET /containers/{name}/json`, the raw answer; rejects with statusCode 404 when there is none. */
  inspectContainer(name: string): Promise<unknown>;
  /** Whether the image is present locally (`GET /images/{name}/json`); never pulls. */
  imageExists(image: string): Promise<boolean>;
  /** Creates the container; answers its id. */
  createContainer(spec: ContainerCreateSpec): Promise<string>;
  startContainer(name: string): Promise<void>;
  stopContainer(name: string, timeoutSeconds: number): Promise<void>;
  restartContainer(name: string, timeoutSeconds: number): Promise<void>;
  /** Removes the container, stopping it first. */
  removeContainer(name: string): Promise<void>;
  /** The last `tail` lines of the container's output, stdout and stderr merged. */
  containerLogs(name: string, tail: number): Promise<string>;
  /**
   * Starts `command` in the container with `env` (`KEY=value`), delivering its output as it comes. With
   * `attachStdin`, the process's stdin is the exec's connection, never written: it ends when the handle
   * is detached or this process ends, however (the skopeo wrapper stops skopeo then).
   */
  exec(
    name: string,
    command: ReadonlyArray<string>,
    env: ReadonlyArray<string>,
    onOutput: (chunk: Buffer, stream: ExecStream) => void,
    options?: { readonly attachStdin?: boolean | undefined },
  ): Promise<ExecHandle>;
  /** Extracts the tar stream into `directory` in the container (`PUT /containers/{name}/archive`), streaming; `signal` aborts the upload. */
  putArchive(name: string, directory: string, tar: Readable, signal?: AbortSignal): Promise<void>;
  /** A tar stream of `path` in the container (`GET /containers/{name}/archive`). */
  getArchive(name: string, path: string): Promise<Readable>;
}
