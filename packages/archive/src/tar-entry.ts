/** Tar extension headers (PAX `x`/`g`, GNU `L`/`K`) and the entry a header describes once they are applied; pure, no I/O. */
import { MAX_TAR_ENTRIES } from "./limits.js";
import { normalizeEntryName, parentOf, resolveLexically } from "./archive-path.js";
import { cString, parsePaxRecords, type TarHeader, type TarHeaderKind } from "./tar-header.js";

/** The kinds of a real entry, extension headers excluded. */
export type TarEntryKind = Exclude<TarHeaderKind, "pax" | "pax-global" | "gnu-long-name" | "gnu-long-link">;

/** One entry with its extensions applied. Its data is `size` bytes at `dataOffset` of the tar. */
export interface TarEntry {
  /** Normalised: no leading `./`, no trailing `/`. */
  readonly name: string;
  readonly kind: TarEntryKind;
  readonly size: number;
  readonly dataOffset: number;
  /** Symlinks: the target as stored (relative to the link's directory). Hard links: the normalised target. */
  readonly linkTarget: string;
}

interface Extensions {
  path?: string;
  linkpath?: string;
  size?: number;
}

/** Extension headers seen since the last entry: they name, size or link the next one. */
export interface PendingExtensions {
  global: Extensions;
  local: Extensions;
  longName?: string | undefined;
  longLink?: string | undefined;
}

/** Nothing pending: the state at the start of a tar. */
export const noExtensions = (): PendingExtensions => ({ global: {}, local: {} });

/** What is left pending after an entry: the global PAX records only. */
export const afterEntry = (pending: PendingExtensions): PendingExtensions => ({ global: pending.global, local: {} });

/** What a tar reader says when it refuses an entry that would write outside its directory. */
export const HOSTILE_FIX = "this archive was not written by docker or skopeo; do not use it";

/** Whether a header is an extension header (its data names, sizes or links the next entry). */
export const isExtension = (kind: TarHeaderKind): kind is "pax" | "pax-global" | "gnu-long-name" | "gnu-long-link" =>
  kind === "pax" || kind === "pax-global" || kind === "gnu-long-name" || kind === "gnu-long-link";

/** Bytes the entry of `header` announces, its PAX `size` record applied. */
export const announcedSize = (pending: PendingExtensions, header: TarHeader): number =>
  isExtension(header.kind) ? header.size : (pending.local.size ?? pending.global.size ?? header.size);

/** The entry's name as stored, before normalisation, for messages. */
export const rawNameOf = (pending: PendingExtensions, header: TarHeader): string => pending.local.path ?? pending.longName ?? header.name;

const fromPax = (records: ReadonlyMap<string, string>): Extensions | string => {
  const extensions: Extensions = {};
  const path = records.get("path");
  const linkpath = records.get("linkpath");
  const size = records.get("size");
  if (path !== undefined) extensions.path = path;
  if (linkpath !== undefined) extensions.linkpath = linkpath;
  if (size !== undefined) {
    if (!/^[0-9]+$/.test(size) || !Number.isSafeInteger(Number(size))) return `PAX size ${JSON.stringify(size)} is malformed`;
    extensions.size = Number(size);
  }
  return extensions;
};

/** Records the extension header `kind` with its `data` in `pending`; the reason when it is malformed. */
export const applyExtension = (
  pending: PendingExtensions,
  kind: "pax" | "pax-global" | "gnu-long-name" | "gnu-long-link",
  data: Uint8Array,
): string | undefined => {
  if (kind === "gnu-long-name") pending.longName = cString(data);
  else if (kind === "gnu-long-link") pending.longLink = cString(data);
  else {
    const records = parsePaxRecords(data);
    const extensions = typeof records === "string" ? records : fromPax(records);
    if (typeof extensions === "string") return extensions;
    if (kind === "pax") pending.local = { ...pending.local, ...extensions };
    else pending.global = { ...pending.global, ...extensions };
  }
  return undefined;
};

/**
 * The entry a header describes, extensions applied; `undefined` for the root directory (`./`). Refuses
 * absolute names, `..` components and links whose targets leave the archive.
 */
export const entryOf = (
  pending: PendingExtensions,
  header: { readonly name: string; readonly linkname: string; readonly kind: TarEntryKind },
  dataOffset: number,
  size: number,
): TarEntry | undefined | { readonly refused: string } => {
  const rawName = pending.local.path ?? pending.longName ?? pending.global.path ?? header.name;
  const rawLink = pending.local.linkpath ?? pending.longLink ?? pending.global.linkpath ?? header.linkname;
  const name = normalizeEntryName(rawName);
  if (!name.ok) return { refused: name.reason };
  if (name.path === "") return undefined;
  let linkTarget = "";
  if (header.kind === "symlink") {
    if (resolveLexically(parentOf(name.path), rawLink) === undefined) {
      return { refused: `entry ${JSON.stringify(name.path)} is a symlink to ${JSON.stringify(rawLink)}, which escapes the archive` };
    }
    linkTarget = rawLink;
  } else if (header.kind === "hardlink") {
    const target = resolveLexically("", rawLink);
    if (target === undefined || target === "") {
      return { refused: `entry ${JSON.stringify(name.path)} is a hard link to ${JSON.stringify(rawLink)}, which escapes the archive` };
    }
    linkTarget = target;
  }
  return { name: name.path, kind: header.kind, size, dataOffset, linkTarget };
};

/**
 * Why `entry` cannot join the entries read so far (`seen`, by name): it repeats a name (so readers may
 * disagree on its content; a directory may repeat), or there are already {@link MAX_TAR_ENTRIES}.
 */
export const entryRefusal = (seen: ReadonlyMap<string, { readonly kind: TarEntryKind }>, entry: TarEntry): string | undefined => {
  const existing = seen.get(entry.name);
  if (existing && !(existing.kind === "directory" && entry.kind === "directory")) {
    return `contains ${JSON.stringify(entry.name)} twice, so readers may disagree on its content`;
  }
  if (seen.size >= MAX_TAR_ENTRIES) return `has more than ${MAX_TAR_ENTRIES} entries; an image archive has far fewer`;
  return undefined;
};
