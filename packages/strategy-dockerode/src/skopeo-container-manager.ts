import { tmpdir } from "node:os";
import * as Effect from "effect/Effect";
import {
  DEFAULT_CONTAINER_NAME,
  DEFAULT_SKOPEO_IMAGE,
  createContainerFix,
  dockerRunCommand,
  recreateContainerFix,
  type ResidentContainerSpec,
  parseContainerInspect,
  resolveSharedDirectory,
  RESIDENT_COMMAND,
  checkSharedDirectory,
  trustedSharedDirectory,
  WORKSPACE_PREFIX,
  type ContainerFacts,
  type SharedDirectory,
} from "@skopush/skopeo-container";
import { settingPhrase } from "@skopush/core";
import { reapDeadTempDirectories } from "@skopush/skopeo";
import { classifyDockerApiError, type DockerApiContext } from "./classify-error.js";
import { reapDeadUploads, UPLOAD_PREFIX } from "./dead-uploads.js";
import { ContainerLifecycleError } from "./container-lifecycle-error.js";
import { dockerConnectionFromEnv } from "./docker-connection.js";
import type { DockerClient } from "./docker-client.js";
import { CREATED_BY_LABEL, DockerodeClient, unusableDockerClient } from "./dockerode-client.js";
import type { SkopeoContainerOptions } from "./skopeo-container-options.js";

/** The resident container's state: absent, or its facts. */
export type SkopeoContainerStatus =
  | { readonly state: "missing" }
  | { readonly state: "running" | "stopped" | "paused"; readonly facts: ContainerFacts };

type Operation = ContainerLifecycleError["operation"];

/**
 * Makes the client an options object asks for. A connection that cannot be built (a malformed
 * `DOCKER_HOST`, missing TLS files) gives a client whose every call fails with that reason, so the
 * strategy reports itself unavailable instead of breaking the construction of the whole chain.
 */
export const dockerClientFor = (options: SkopeoContainerOptions): DockerClient => {
  if (options.docker) return options.docker;
  const env = options.env ?? process.env;
  try {
    return new DockerodeClient(dockerConnectionFromEnv(env));
  } catch (error) {
    return unusableDockerClient(env.DOCKER_HOST?.trim() || "the default socket", error);
  }
};

/**
 * Creates, starts, stops, restarts, inspects and removes the resident skopeo container through the
 * Engine API. It never pulls: a missing image is an error naming the image and how to get it.
 */
export class SkopeoContainerManager {
  /** The container's name. */
  readonly name: string;
  /** The image `ensure()` creates it from. */
  readonly image: string;
  /** The directory shared between this machine and the container. */
  readonly shared: SharedDirectory;
  /** The network of a container `ensure()` creates. */
  readonly networkMode: string;
  /** The Engine API client. */
  readonly docker: DockerClient;
  private readonly stopTimeoutSeconds: number;

  constructor(options: SkopeoContainerOptions = {}) {
    this.name = options.containerName ?? DEFAULT_CONTAINER_NAME;
    this.image = options.image ?? DEFAULT_SKOPEO_IMAGE;
    this.shared = resolveSharedDirectory(options.sharedDir, options.env ?? process.env);
    this.networkMode = options.networkMode ?? "host";
    this.stopTimeoutSeconds = options.stopTimeoutSeconds ?? 2;
    this.docker = dockerClientFor(options);
  }

  /** What `ensure()` creates, as a `docker run` line would. */
  private get spec(): ResidentContainerSpec {
    return { name: this.name, image: this.image, hostSharedDir: this.shared.hostPath, containerSharedDir: this.shared.containerPath, networkMode: this.networkMode };
  }

  /** The `docker run` line equivalent to what `ensure()` creates. */
  get dockerRunCommand(): string {
    return dockerRunCommand(this.spec);
  }

  /** How to create the container, for fixes, in the caller's terms (the `docker run` line, or `skopush service create …`). */
  get createCommand(): string {
    return createContainerFix(this.spec);
  }

  /** How to replace it (a wrong mount), in the caller's terms. */
  get recreateCommand(): string {
    return recreateContainerFix(this.spec);
  }

  /** What the error classifier names. */
  get context(): DockerApiContext {
    return { endpoint: this.docker.endpoint, container: this.name, createCommand: this.createCommand };
  }

  private call<A>(operation: Operation, run: () => Promise<A>): Effect.Effect<A, ContainerLifecycleError> {
    return Effect.tryPromise({
      try: run,
      catch: (cause) => {
        const problem = classifyDockerApiError(cause, this.context);
        return new ContainerLifecycleError({ operation, container: this.name, reason: problem.reason, fix: problem.fix, cause });
      },
    });
  }

  private inspect(operation: Operation): Effect.Effect<SkopeoContainerStatus, ContainerLifecycleError> {
    return Effect.tryPromise({
      try: () => this.docker.inspectContainer(this.name),
      catch: (cause) => cause,
    }).pipe(
      Effect.map((raw): SkopeoContainerStatus => {
        const facts = parseContainerInspect(raw);
        const state = facts.running ? "running" : facts.status === "paused" ? "paused" : "stopped";
        return { state, facts };
      }),
      Effect.catch((cause) => {
        if ((cause as { statusCode?: unknown })?.statusCode === 404) return Effect.succeed({ state: "missing" as const });
        const problem = classifyDockerApiError(cause, this.context);
        return Effect.fail(new ContainerLifecycleError({ operation, container: this.name, reason: problem.reason, fix: problem.fix, cause }));
      }),
    );
  }

  /** Whether the container exists and runs, with its facts. */
  status(): Effect.Effect<SkopeoContainerStatus, ContainerLifecycleError> {
    return this.inspect("status");
  }

  /**
   * Makes sure the container exists (created from the local image if missing, with the shared directory
   * bind-mounted, `tail -f /dev/null`, restart policy `unless-stopped`) and runs (started if stopped).
   * The shared directory is checked first, as the container strategies check it (created 0700 when
   * missing): one another user could write to is refused, never bind-mounted.
   */
  ensure(): Effect.Effect<ContainerFacts, ContainerLifecycleError> {
    return Effect.gen({ self: this }, function* () {
      yield* this.checkSharedDirectory("ensure");
      let status = yield* this.inspect("ensure");
      if (status.state === "missing") {
        yield* this.create();
        status = yield* this.inspect("ensure");
      }
      if (status.state === "missing") {
        return yield* Effect.fail(new ContainerLifecycleError({ operation: "ensure", container: this.name, reason: "it vanished right after it was created" }));
      }
      if (status.state === "paused") {
        return yield* Effect.fail(
          new ContainerLifecycleError({ operation: "ensure", container: this.name, reason: "it is paused", fix: `docker unpause ${this.name}` }),
        );
      }
      if (status.state === "stopped") return yield* this.start();
      return status.facts;
    });
  }

  /** Creates the container from the local image; fails with how to get the image when it is absent. */
  private create(): Effect.Effect<void, ContainerLifecycleError> {
    return Effect.gen({ self: this }, function* () {
      const present = yield* this.call("ensure", () => this.docker.imageExists(this.image));
      if (!present) {
        return yield* Effect.fail(
          new ContainerLifecycleError({
            operation: "ensure",
            container: this.name,
            reason: `the image ${this.image} is not on the Docker daemon at ${this.docker.endpoint}, and skopush never pulls images`,
            fix: `docker pull ${this.image} (or docker load -i <file> where the daemon cannot reach the registry), or ${settingPhrase("containerImage")}`,
          }),
        );
      }
      yield* Effect.tryPromise({
        try: () =>
          this.docker.createContainer({
            name: this.name,
            image: this.image,
            command: RESIDENT_COMMAND,
            binds: [`${this.shared.hostPath}:${this.shared.containerPath}`],
            networkMode: this.networkMode,
            restartPolicy: "unless-stopped",
            labels: { [CREATED_BY_LABEL]: "skopush" },
          }),
        catch: (cause) => cause,
      }).pipe(
        Effect.asVoid,
        // Another process created it at the same moment: use theirs.
        Effect.catch((cause) =>
          (cause as { statusCode?: unknown })?.statusCode === 409
            ? Effect.void
            : Effect.fail(this.lifecycleError("ensure", cause)),
        ),
      );
    });
  }

  /** The shared directory, checked (and created 0700 when missing) as the container strategies do. */
  checkSharedDirectory(operation: Operation): Effect.Effect<void, ContainerLifecycleError> {
    return trustedSharedDirectory(this.shared).pipe(
      Effect.asVoid,
      Effect.mapError((refusal) => new ContainerLifecycleError({ operation, container: this.name, reason: refusal.reason, fix: refusal.fix })),
    );
  }

  private lifecycleError(operation: Operation, cause: unknown): ContainerLifecycleError {
    const problem = classifyDockerApiError(cause, this.context);
    return new ContainerLifecycleError({ operation, container: this.name, reason: problem.reason, fix: problem.fix, cause });
  }

  /** Starts the container (a running one is left alone); answers its facts. */
  start(): Effect.Effect<ContainerFacts, ContainerLifecycleError> {
    return Effect.gen({ self: this }, function* () {
      yield* this.call("start", () => this.docker.startContainer(this.name).catch((e: unknown) => ((e as { statusCode?: number }).statusCode === 304 ? undefined : Promise.reject(e))));
      const status = yield* this.inspect("start");
      if (status.state !== "running") {
        const logs = yield* this.call("start", () => this.docker.containerLogs(this.name, 5)).pipe(Effect.orElseSucceed(() => ""));
        return yield* Effect.fail(
          new ContainerLifecycleError({
            operation: "start",
            container: this.name,
            reason: `it is ${status.state} after starting${logs.trim() ? ` (its last output: ${logs.trim().split("\n").slice(-2).join(" | ")})` : ""}`,
            fix: `docker logs ${this.name}`,
          }),
        );
      }
      return status.facts;
    });
  }

  /** Stops the container (a stopped one is left alone). */
  stop(): Effect.Effect<void, ContainerLifecycleError> {
    return this.call("stop", () =>
      this.docker.stopContainer(this.name, this.stopTimeoutSeconds).catch((e: unknown) => ((e as { statusCode?: number }).statusCode === 304 ? undefined : Promise.reject(e))),
    );
  }

  /** Restarts the container; answers its facts. */
  restart(): Effect.Effect<ContainerFacts, ContainerLifecycleError> {
    return this.call("restart", () => this.docker.restartContainer(this.name, this.stopTimeoutSeconds)).pipe(Effect.andThen(this.start()));
  }

  /** Removes the container (stopping it first); removing a missing one succeeds. */
  remove(): Effect.Effect<void, ContainerLifecycleError> {
    return this.call("remove", () =>
      this.docker.removeContainer(this.name).catch((e: unknown) => ((e as { statusCode?: number }).statusCode === 404 ? undefined : Promise.reject(e))),
    );
  }

  /**
   * Removes what pushes killed before they could clean up left behind (their process is gone): workspaces
   * in the shared directory (only when it is trusted, never following a link), the local halves of uploads
   * in this machine's temp directory and, when the container runs, upload directories in its `uploadDir`.
   * Answers the paths removed; never fails.
   */
  reapDeadPushes(uploadDir = "/tmp"): Effect.Effect<ReadonlyArray<string>> {
    return Effect.promise(async () => {
      const removed = await reapDeadTempDirectories(tmpdir(), UPLOAD_PREFIX);
      const verdict = await checkSharedDirectory(this.shared, { create: false }).catch(() => undefined);
      if (verdict?.state === "trusted") removed.push(...(await reapDeadTempDirectories(this.shared.hostPath, WORKSPACE_PREFIX)));
      const running = await this.docker.inspectContainer(this.name).then(
        (inspect) => parseContainerInspect(inspect).running,
        () => false,
      );
      if (running) removed.push(...(await reapDeadUploads(this.docker, this.name, uploadDir).catch(() => [])));
      return removed;
    });
  }

  /** The last `tail` lines the container printed. @default tail 100 */
  logs(tail = 100): Effect.Effect<string, ContainerLifecycleError> {
    return this.call("logs", () => this.docker.containerLogs(this.name, tail));
  }
}
