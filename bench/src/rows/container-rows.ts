import type { BenchRow } from "../bench-row.js";
import { clearContainerSkopeoCache } from "../fixtures/resident-container.js";
import { strategyRow } from "../strategy-row.js";
import { containerOf } from "./container-job.js";

const clearContainerCache: BenchRow["clearClientCaches"] = (job) => clearContainerSkopeoCache(containerOf(job));

/** skopush's docker-exec strategy: skopeo in the resident container through the docker CLI, beside raw `docker exec skopeo copy`. */
export const dockerExecRow: BenchRow = strategyRow({
  name: "skopush docker-exec",
  description: "DockerExecPushStrategy with the bench's resident container, archive hard-linked into the shared directory",
  factory: new URL("./docker-exec-strategy.js", import.meta.url),
  usesContainer: true,
  clearClientCaches: clearContainerCache,
});

/** skopush's dockerode strategy through the shared directory. */
export const dockerodeRow: BenchRow = strategyRow({
  name: "skopush dockerode",
  description: "DockerodePushStrategy, transfer: shared-directory, the bench's resident container",
  factory: new URL("./dockerode-strategy.js", import.meta.url),
  usesContainer: true,
  clearClientCaches: clearContainerCache,
});

/** skopush's dockerode strategy uploading the archive into the container (what it does with a remote daemon). */
export const dockerodeUploadRow: BenchRow = strategyRow({
  name: "skopush dockerode (upload)",
  description: "DockerodePushStrategy, transfer: upload (putArchive of the archive into the container, no shared directory)",
  factory: new URL("./dockerode-upload-strategy.js", import.meta.url),
  usesContainer: true,
  clearClientCaches: clearContainerCache,
});
