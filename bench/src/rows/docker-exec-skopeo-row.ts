import type { BenchRow, BenchContainer, PushJob } from "../bench-row.js";
import { clearContainerSkopeoCache } from "../fixtures/resident-container.js";
import { skopeoTlsFlags } from "./skopeo-row.js";

const containerOf = (job: PushJob): BenchContainer => {
  if (job.container === undefined || job.archiveInContainer === undefined) throw new Error("docker exec skopeo copy needs the bench's container");
  return job.container;
};

/**
 * Raw `docker exec <resident container> skopeo copy …` with the archive already in the shared directory:
 * what a user of the seed tool's docker method ran, and the baseline of the docker-exec strategy.
 */
export const dockerExecSkopeoRow: BenchRow = {
  name: "docker exec skopeo copy",
  description: "`docker exec <container> skopeo copy` in the bench's resident container, the archive already in the shared directory",
  usesContainer: true,
  clearClientCaches: (job) => clearContainerSkopeoCache(containerOf(job)),
  command: (job) => ({
    file: "docker",
    args: [
      "exec", containerOf(job).name,
      "skopeo", "copy", "--quiet", ...skopeoTlsFlags(job, job.certDirInContainer), "--dest-no-creds", `docker-archive:${job.archiveInContainer}`, `docker://${job.destination}`,
    ],
  }),
};
