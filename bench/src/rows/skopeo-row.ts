import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { BenchRow } from "../bench-row.js";

/** Where skopeo 1.9.3 keeps its blob-info cache when run as root (containers/image `blobinfocache.DefaultCache`). */
export const ROOT_BLOB_INFO_CACHE_DIR = "/var/lib/containers/cache";

const cacheDir = (rowDir: string) => join(rowDir, "containers-cache");

/**
 * Raw `skopeo copy docker-archive:… docker://…`, as a user runs it. skopeo keeps a blob-info cache
 * (uncompressed digest → pushed digests) in `/var/lib/containers/cache/blob-info-cache-v1.boltdb` for
 * root (`~/.local/share/containers/cache` rootless), with no option to move it; so the row runs skopeo in
 * a private mount namespace where the row's own directory is bind-mounted there: empty for a cold push,
 * what the cold push wrote for the warm one, and the machine's real cache is never touched.
 */
export const skopeoRow: BenchRow = {
  name: "skopeo copy",
  description: "skopeo 1.9.3 `copy docker-archive: docker://`, its blob-info cache private to the row (unshare + bind mount)",
  clearClientCaches: async (job) => {
    await rm(cacheDir(job.rowDir), { recursive: true, force: true });
    await mkdir(cacheDir(job.rowDir), { recursive: true, mode: 0o700 });
  },
  command: (job) => {
    const tls = job.scheme === "http" ? ["--dest-tls-verify=false"] : ["--dest-cert-dir", job.certDir ?? ""];
    const script = `mkdir -p ${ROOT_BLOB_INFO_CACHE_DIR} && mount --bind "$0" ${ROOT_BLOB_INFO_CACHE_DIR} && exec skopeo "$@"`;
    return {
      file: "unshare",
      args: ["--mount", "--propagation", "private", "sh", "-c", script, cacheDir(job.rowDir), "copy", "--quiet", ...tls, "--dest-no-creds", `docker-archive:${job.archive}`, `docker://${job.destination}`],
    };
  },
};
