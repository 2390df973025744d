import type { BenchRow, PushJob } from "../bench-row.js";
import { resetPrivateCache, withPrivateCache } from "../private-skopeo-cache.js";

/** skopeo's `copy` flags for the job's registry: plain http without TLS, https trusting the job's CA. */
export const skopeoTlsFlags = (job: PushJob, certDir = job.certDir): ReadonlyArray<string> =>
  job.scheme === "http" ? ["--dest-tls-verify=false"] : ["--dest-cert-dir", certDir ?? ""];

/** Raw `skopeo copy docker-archive:… docker://…` on this host, as a user runs it, with a private blob-info cache. */
export const skopeoRow: BenchRow = {
  name: "skopeo copy",
  description: "skopeo 1.9.3 `copy docker-archive: docker://`, its blob-info cache private to the row (unshare + bind mount)",
  clearClientCaches: (job) => resetPrivateCache(job.rowDir),
  command: (job) =>
    withPrivateCache(job.rowDir, ["copy", "--quiet", ...skopeoTlsFlags(job), "--dest-no-creds", `docker-archive:${job.archive}`, `docker://${job.destination}`]),
};
