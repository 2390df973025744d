import type { ArchiveInvalid } from "@skopush/core";
import { Effect } from "effect";
import type { ArchiveFiles, StoredFile } from "./archive-files.js";
import { failInvalid } from "./archive-error.js";
import { normalizeEntryName } from "./archive-path.js";
import { MAX_LINK_HOPS } from "./limits.js";
import type { TarEntry, TarIndex } from "./tar-index.js";

/** How a name resolves inside a tar. */
export type TarResolution =
  | { readonly _tag: "found"; readonly entry: TarEntry }
  | { readonly _tag: "missing" }
  | { readonly _tag: "refused"; readonly reason: string };

/**
 * Resolves `name` component by component, following symlinks (relative to their directory) and hard
 * links (relative to the root) wherever they occur in the path, as a file system would; refuses a
 * resolution that climbs above the root or follows more than {@link MAX_LINK_HOPS} links.
 * `docker save` (≤ 24) stores a layer shared by two images as `<id>/layer.tar -> ../<other>/layer.tar`.
 */
export const resolveInTar = (entries: ReadonlyMap<string, TarEntry>, name: string): TarResolution => {
  const quoted = JSON.stringify(name);
  let pending = name.split("/");
  let resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (resolved.length === 0) return { _tag: "refused", reason: `following links from ${quoted} leaves the archive (it escapes the root)` };
      resolved.pop();
      continue;
    }
    const entry = entries.get([...resolved, part].join("/"));
    if (entry?.kind === "symlink" || entry?.kind === "hardlink") {
      if (++hops > MAX_LINK_HOPS) {
        return { _tag: "refused", reason: `following links from ${quoted} loops (more than ${MAX_LINK_HOPS} links)` };
      }
      if (entry.linkTarget.startsWith("/")) return { _tag: "refused", reason: `following links from ${quoted} leaves the archive (it escapes the root)` };
      if (entry.kind === "hardlink") resolved = [];
      pending = [...entry.linkTarget.split("/"), ...pending];
      continue;
    }
    resolved.push(part);
  }
  const entry = entries.get(resolved.join("/"));
  if (entry === undefined) return { _tag: "missing" };
  if (entry.kind !== "file") return { _tag: "refused", reason: `${quoted} is a ${entry.kind === "other" ? "special file" : entry.kind}, not a regular file` };
  return { _tag: "found", entry };
};

/** The files of an indexed tar stored in `file`; `path` is the caller's archive path. */
export const tarFiles = (path: string, file: string, index: TarIndex): ArchiveFiles => ({
  path,
  locate: (name: string): Effect.Effect<StoredFile | undefined, ArchiveInvalid> =>
    Effect.suspend(() => {
      const normalized = normalizeEntryName(name);
      if (!normalized.ok) return failInvalid(path, normalized.reason);
      const resolution = resolveInTar(index.entries, normalized.path);
      switch (resolution._tag) {
        case "missing":
          return Effect.succeed(undefined);
        case "refused":
          return failInvalid(path, resolution.reason, "this archive was not written by docker or skopeo; do not use it");
        case "found":
          return Effect.succeed({ name: normalized.path, file, start: resolution.entry.dataOffset, size: resolution.entry.size });
      }
    }),
});
