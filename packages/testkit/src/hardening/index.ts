export { startDirectoryWatcher, entriesOf, type DirectoryWatcher, type WatchedEntry } from "./directory-watcher.js";
export { startPrivateDockerd, type PrivateDockerd, type PrivateDockerdOptions } from "./private-dockerd.js";
export { startProcessSampler, type ProcessSampler, type ProcessSamplerOptions, type ProcessSamplerReport, type SecretSighting } from "./process-sampler.js";
export {
  descendantsOf,
  isRunning,
  listProcesses,
  processInfo,
  processLineage,
  processTexts,
  processTextsOf,
  type ProcessInfo,
  type ProcessLineage,
  type ProcessTexts,
} from "./processes.js";
export { startRegistryProxy, type ProxiedRequest, type RegistryProxy, type RegistryProxyOptions } from "./registry-proxy.js";
export { startResidentContainer, type ResidentContainer, type ResidentContainerOptions } from "./resident-container.js";
export { runTool, type ToolRun } from "./run-tool.js";
export { storedTags, tagIntegrityProblems } from "./tag-integrity.js";
export { unusedLoopbackPort } from "./free-port.js";
export { killRegistry } from "./registry-faults.js";
export { pathsOpenToOthers, secretForms, textsHoldingSecrets } from "./secret-checks.js";
export { startAsUser, startNodeScriptAsUser, type UserProcess } from "./as-user.js";
export { LINK_WORKSPACES_SCRIPT, SWAP_WORKSPACES_SCRIPT } from "./intruders.js";
export {
  FOREIGN_DIGEST,
  isRequestOfKind,
  startMisbehavingRegistry,
  WEB_PAGE,
  type KeptManifest,
  type MisbehavingRegistry,
  type MisbehavingRegistryOptions,
  type Misbehaviour,
  type MisbehaviourRule,
  type RequestKind,
  type SeenRequest,
} from "./misbehaving-registry.js";
export { startMisbehavingTlsRegistry } from "./misbehaving-tls-registry.js";
export { redirectedReadBack, type RedirectedReadBack } from "./redirected-read-back.js";
