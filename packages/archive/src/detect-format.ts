import type { ArchiveFormat, ArchiveInvalid } from "@skopush/core";
import { Effect } from "effect";
import type { ArchiveFiles } from "./archive-files.js";
import { failInvalid } from "./archive-error.js";

const NOT_AN_IMAGE_FIX = "pass the tarball `docker save` writes, or one `skopeo copy … oci-archive:` writes";

/**
 * How to read the archive: `manifest.json` → docker-archive (Docker ≤ 24, and Docker 25+, which also
 * writes an OCI layout); `index.json` (with `oci-layout`) → oci-archive; both → docker-archive, as
 * `docker load` reads it. An explicit `format` is honoured when the archive has what it needs.
 */
export const detectFormat = (files: ArchiveFiles, format?: ArchiveFormat): Effect.Effect<ArchiveFormat, ArchiveInvalid> =>
  Effect.gen(function* () {
    const hasManifest = (yield* files.locate("manifest.json")) !== undefined;
    const hasIndex = (yield* files.locate("index.json")) !== undefined;
    if (format === "docker-archive" && !hasManifest) {
      return yield* failInvalid(files.path, "has no manifest.json, so it is not a docker-archive", hasIndex ? "it is an OCI layout: push it as oci-archive, or leave the format out" : NOT_AN_IMAGE_FIX);
    }
    if (format === "oci-archive" && !hasIndex) {
      return yield* failInvalid(files.path, "has no index.json, so it is not an oci-archive", hasManifest ? "it is a docker-archive: push it as docker-archive, or leave the format out" : NOT_AN_IMAGE_FIX);
    }
    if (format !== undefined) return format;
    if (hasManifest) return "docker-archive";
    if (hasIndex) return "oci-archive";
    return yield* failInvalid(files.path, "holds neither manifest.json nor index.json, so it is not an image archive", NOT_AN_IMAGE_FIX);
  });
