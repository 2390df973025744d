export { AUTH_FILE_NAME, authFileContent, authFilePaths, writeAuthFile, type AuthFile } from "./auth-file.js";
export { CERT_DIR_NAME, prepareCertDir } from "./cert-dir.js";
export { BASE_CHILD_ENV, pickEnvironment } from "./child-environment.js";
export { causeOf, classifySkopeoFailure, isConnectionCut, skopeoErrorMessage, type SkopeoFailure } from "./classify-error.js";
export {
  copyArgs,
  destinationArgument,
  parsePlatform,
  sourceArgument,
  type CopyArgsInput,
  type SkopeoPlatform,
  type SkopeoCompressFormat,
  type SkopeoSource,
  type SkopeoSourceTransport,
} from "./copy-args.js";
export { CopyProgress, PROGRESS_MARKS } from "./copy-progress.js";
export { DIGEST_FILE_NAME, digestFilePaths, parseDigestFile, readDigestFile } from "./digest-file.js";
export { parseOutputLine, type SkopeoOutputLine } from "./output-lines.js";
export { compressionSent, skopeoCompressionPlan, skopeoSupports, type SkopeoCompressionPlan } from "./skopeo-compression.js";
export { processBytesRead, sampleBytesRead } from "./process-bytes-read.js";
export { REGISTRY_CHECKS, skopeoCopy, type PreflightAnswer, type RegistryChecks } from "./skopeo-copy.js";
export type {
  SkopeoHost,
  SkopeoRunOptions,
  SkopeoRunResult,
  SkopeoStream,
  StageProgress,
  Workspace,
} from "./skopeo-host.js";
export { isAtLeast, MINIMUM_SKOPEO_VERSION, parseSkopeoVersion, type SkopeoVersion } from "./skopeo-version.js";
export {
  gunzipIntoWorkspace,
  isSafeSourcePath,
  STAGED_ARCHIVE_NAME,
  stageByCopy,
  stageBySymlink,
  workspacePathOf,
} from "./stage-archive.js";
// Workspaces are named after their owner process (see makeLocalWorkspace); hosts that upload them elsewhere reap by these.
export { ownerIsGone, ownerOf, reapDeadTempDirectories, type TempDirectoryOwner } from "@skopush/archive";
export {
  CREATE_NEW_FILE,
  makeLocalWorkspace,
  READ_OWN_FILE,
  removeDirectory,
  verifyWorkspace,
  WORKSPACE_TMP,
  type LocalWorkspaceOptions,
} from "./workspace.js";
