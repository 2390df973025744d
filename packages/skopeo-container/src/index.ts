export { CONTAINER_PROGRESS_INTERVAL_MS, findContainerSkopeo, sampleContainerSkopeoBytes } from "./container-skopeo-process.js";
export { parseContainerInspect, usesHostNetwork, type ContainerFacts, type ContainerMount } from "./container-facts.js";
export {
  CANCELLED_FILE,
  DEFAULT_WRAPPER_GRACE_SECONDS,
  PID_FILE,
  PROBE_EXIT,
  probeCommand,
  removeCommand,
  stopCommand,
  wrappedCommand,
  WRAPPER_CANCELLED_EXIT,
  WRAPPER_NO_WORKSPACE_EXIT,
  type StopSignal,
  type WrapperOptions,
} from "./in-container-process.js";
export { checkSharedMount, normalizeHostPath, type SharedMountCheck, type SharedMountCheckOptions } from "./mount-check.js";
export { isLoopbackRegistry, reclassifyForContainerNetwork } from "./network-fault.js";
export { containerSkopeoCopy } from "./container-skopeo-copy.js";
export { DEFAULT_PROBE_CACHE_TTL } from "./probe-cache.js";
export {
  DEFAULT_CONTAINER_NAME,
  DEFAULT_CONTAINER_SHARED_DIR,
  DEFAULT_SHARED_DIR,
  DEFAULT_SKOPEO_IMAGE,
  createContainerFix,
  dockerRunCommand,
  recreateContainerFix,
  RESIDENT_COMMAND,
  SHARED_DIR_ENV,
  type ResidentContainerSpec,
} from "./resident-container.js";
export { resolveSharedDirectory, type SharedDirectory, type SharedDirectoryOptions } from "./shared-directory.js";
export { sharedDirectoryFault, sharedWorkspace, WORKSPACE_PREFIX } from "./shared-workspace.js";
export {
  checkSharedDirectory,
  trustedSharedDirectory,
  type SharedDirectoryCheckOptions,
  type SharedDirectoryRefusal,
  type SharedDirectoryVerdict,
} from "./shared-directory-trust.js";
export { hostRealPath, probeExitProblem, probeMarker, type ProbeExitContext, type ProbeMarker, type ProbeProblem } from "./probe-marker.js";
export { killedSkopeoProblem, settledContainerState, SIGNAL_EXIT_BASE, type KilledSkopeoContext, type KilledSkopeoProblem } from "./killed-skopeo.js";
