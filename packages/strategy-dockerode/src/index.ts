import "reflect-metadata";

export { classifyDockerApiError, type DockerApiContext, type DockerApiProblem, type DockerApiProblemKind } from "./classify-error.js";
export { ContainerLifecycleError } from "./container-lifecycle-error.js";
export { dockerConnectionFromEnv, DockerHostInvalid, type DockerConnection, type DockerConnectionHost } from "./docker-connection.js";
export type { ContainerCreateSpec, DockerClient, ExecHandle, ExecStream } from "./docker-client.js";
export { CREATED_BY_LABEL, DockerodeClient } from "./dockerode-client.js";
export { defaultPingTimeoutMs, DOCKERODE_OPTIONS, resolveDockerodeOptions, type DockerodeOptions, type ResolvedDockerodeOptions, type TransferMode } from "./dockerode-options.js";
export { DockerodePushStrategy } from "./dockerode-push-strategy.js";
export { dockerodeStrategy, registerDockerodeStrategy } from "./register.js";
export { dockerClientFor, SkopeoContainerManager, type SkopeoContainerStatus } from "./skopeo-container-manager.js";
export type { SkopeoContainerOptions } from "./skopeo-container-options.js";
export { UPLOAD_PREFIX } from "./dead-uploads.js";
