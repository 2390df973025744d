/** Paths inside an archive: normalisation and lexical link resolution, refusing anything outside the root. */

/** A normalised path, or why the raw one is refused. */
export type NormalizedPath = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

/**
 * Normalises an entry name as tar tools do (`./a//b/` → `a/b`); the archive root is `""`. Absolute paths
 * and `..` components are refused: extracted by a naive tool they write outside the target directory.
 */
export const normalizeEntryName = (raw: string): NormalizedPath => {
  if (raw.startsWith("/")) return { ok: false, reason: `entry ${JSON.stringify(raw)} has an absolute path` };
  const parts = raw.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) {
    return { ok: false, reason: `entry ${JSON.stringify(raw)} has a ".." path component (path traversal)` };
  }
  return { ok: true, path: parts.join("/") };
};

/** The directory of a normalised path (`""` for top-level entries). */
export const parentOf = (path: string): string => {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
};

/**
 * Resolves `target` against the directory `base` lexically (`..` pops a component); `undefined` when
 * the result would be above the root or `target` is absolute.
 */
export const resolveLexically = (base: string, target: string): string | undefined => {
  if (target.startsWith("/")) return undefined;
  const stack = base === "" ? [] : base.split("/");
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return undefined;
      stack.pop();
    } else {
      stack.push(part);
    }
  }
  return stack.join("/");
};

/** Where an OCI layout stores the blob of a digest: `blobs/<algorithm>/<hex>`. */
export const blobPathOf = (digest: { readonly algorithm: string; readonly hex: string }): string =>
  `blobs/${digest.algorithm}/${digest.hex}`;
