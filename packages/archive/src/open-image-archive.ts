import { stat } from "node:fs/promises";
import type { ArchiveInvalid, ArchiveSource, EnvironmentFault } from "@skopush/core";
import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import type { ArchiveFiles } from "./archive-files.js";
import { failInvalid, fromFsError } from "./archive-error.js";
import { DECOMPRESS_COMMAND, gunzipToTemp, MAGIC_BYTES, sniffCompression } from "./compression.js";
import { detectFormat } from "./detect-format.js";
import { readDockerArchive } from "./docker-archive.js";
import type { ImageArchive, OpenArchiveOptions } from "./image-archive.js";
import { readOciLayout } from "./oci-archive.js";
import { directoryFiles } from "./oci-layout-directory.js";
import { readHead } from "./read-file.js";
import type { DestinationName } from "./reference-match.js";
import { tarFiles } from "./tar-files.js";
import { indexTar } from "./tar-index.js";

interface Source {
  readonly files: ArchiveFiles;
  readonly uncompressedPath: string;
  readonly directory: boolean;
  readonly outerCompression: "none" | "gzip";
}

const tarSource = (path: string, size: number, options: OpenArchiveOptions): Effect.Effect<Source, ArchiveInvalid | EnvironmentFault, Scope.Scope> =>
  Effect.gen(function* () {
    if (size === 0) return yield* failInvalid(path, "is empty", "save the image again");
    const compression = sniffCompression(yield* readHead(path, { name: path, file: path, start: 0, size }, MAGIC_BYTES));
    if (compression === "zstd" || compression === "bzip2" || compression === "xz") {
      const command = DECOMPRESS_COMMAND[compression];
      return yield* failInvalid(path, `is ${compression}-compressed; skopush reads tar archives, plain or gzip-compressed`, `decompress it first, e.g. \`${command} -c ${path} > image.tar\``);
    }
    const file = compression === "gzip" ? yield* gunzipToTemp(path, options.tempDirectory, options.strategy) : path;
    const index = yield* indexTar({ file, path, what: compression === "gzip" ? "the gzip-decompressed content" : "the file" });
    return { files: tarFiles(path, file, index), uncompressedPath: file, directory: false, outerCompression: compression === "gzip" ? "gzip" : "none" };
  });

/**
 * Opens an image archive: a `docker save` tarball (Docker ≤ 24 or 25+), an oci-archive, either of them
 * gzip-compressed, or an OCI layout directory. Reads only headers and JSON documents (each at most
 * 4 MiB); layers stay on disk and are streamed by `layer.open()`. A gzip archive is decompressed to a
 * private temp file that the scope removes (no room for it there is an `EnvironmentFault`). Fails with `ArchiveInvalid` naming what is wrong and how to
 * fix it, for missing, malformed and hostile archives alike.
 */
export const openImageArchive = (path: string, options: OpenArchiveOptions = {}): Effect.Effect<ImageArchive, ArchiveInvalid | EnvironmentFault, Scope.Scope> =>
  Effect.gen(function* () {
    const stats = yield* Effect.tryPromise({ try: () => stat(path), catch: (cause) => fromFsError(path, "opening it", cause) });
    let source: Source;
    if (stats.isDirectory()) {
      source = { files: yield* directoryFiles(path), uncompressedPath: path, directory: true, outerCompression: "none" };
      if ((yield* source.files.locate("index.json")) === undefined) {
        return yield* failInvalid(
          path,
          (yield* source.files.locate("manifest.json")) === undefined
            ? "is a directory, not an image archive nor an OCI layout (it has no index.json)"
            : "is a directory holding manifest.json (an unpacked docker save); skopush reads the tarball",
          "pass the image tarball, or an OCI layout directory written by `skopeo copy … oci:<dir>`",
        );
      }
    } else if (stats.isFile()) {
      source = yield* tarSource(path, stats.size, options);
    } else {
      return yield* failInvalid(path, "is not a regular file", "pass the image tarball itself");
    }
    const format = source.directory ? "oci-archive" : yield* detectFormat(source.files, options.format);
    const parts =
      format === "docker-archive"
        ? yield* readDockerArchive(source.files, options)
        : yield* readOciLayout(source.files, options, source.directory ? "oci-directory" : "oci-archive");
    return {
      path,
      format,
      outerCompression: source.outerCompression,
      uncompressedPath: source.uncompressedPath,
      ...parts,
      totalBytes: (parts.index?.images ?? [parts]).reduce((sum, image) => sum + image.config.size + image.layers.reduce((layers, layer) => layers + layer.size, 0), 0),
    };
  });

/**
 * The options that open a push's archive as the push asks: its format, the image it names (or the one
 * named like the destination), and its platform.
 */
export const openOptionsOf = (
  source: ArchiveSource,
  destination: DestinationName,
  extra: Pick<OpenArchiveOptions, "tempDirectory" | "strategy"> = {},
): OpenArchiveOptions => ({
  format: source.format,
  selector: source.image === undefined ? undefined : { reference: source.image },
  platform: source.platform,
  destination: { repository: destination.repository, tag: destination.tag },
  tempDirectory: extra.tempDirectory,
  strategy: extra.strategy,
});
