/** Parsing of tar header blocks (ustar, GNU, PAX); pure, no I/O. */

/** A tar block is 512 bytes; entries start on a block boundary. */
export const TAR_BLOCK = 512;

/** What a header describes. */
export type TarHeaderKind =
  | "file"
  | "directory"
  | "symlink"
  | "hardlink"
  | "pax"
  | "pax-global"
  | "gnu-long-name"
  | "gnu-long-link"
  | "other";

/** One parsed header block, before extension headers are applied. */
export interface TarHeader {
  readonly name: string;
  readonly kind: TarHeaderKind;
  readonly typeflag: string;
  readonly size: number;
  /** Permission bits (`0o7777` at most); 0 when the field is malformed. */
  readonly mode: number;
  readonly linkname: string;
}

/** The outcome of parsing one block. */
export type HeaderBlock =
  | { readonly _tag: "header"; readonly header: TarHeader }
  | { readonly _tag: "end" }
  | { readonly _tag: "invalid"; readonly reason: string };

const KINDS: Record<string, TarHeaderKind> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "5": "directory",
  x: "pax",
  g: "pax-global",
  L: "gnu-long-name",
  K: "gnu-long-link",
};

// Types whose size field does not announce data (as Go's archive/tar, which skopeo uses).
const HEADER_ONLY = new Set(["1", "2", "3", "4", "5", "6"]);

/** Bytes of data that follow a header of `typeflag` and `size`. */
export const dataSizeOf = (typeflag: string, size: number): number => (HEADER_ONLY.has(typeflag) ? 0 : size);

/** Bytes padding `size` to the next block boundary. */
export const paddingOf = (size: number): number => (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;

const decoder = new TextDecoder("utf-8");

/** A NUL-terminated string field. */
export const cString = (bytes: Uint8Array): string => {
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
};

/** A numeric field: octal text, or GNU base-256 (high bit set). `undefined` when malformed or negative. */
export const parseNumeric = (bytes: Uint8Array): number | undefined => {
  const first = bytes[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative
    let value = BigInt(first & 0x7f);
    for (const byte of bytes.subarray(1)) value = (value << 8n) | BigInt(byte);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }
  const text = cString(bytes).trim();
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
};

const checksumMatches = (block: Uint8Array): boolean => {
  const stored = parseNumeric(block.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some old tars summed signed bytes; Go's archive/tar accepts both, and so do we.
  return stored === unsigned || stored === signed;
};

const isZero = (block: Uint8Array): boolean => block.every((byte) => byte === 0);

/** Parses one 512-byte block: a header, the end-of-archive marker (a zero block), or garbage. */
export const parseHeaderBlock = (block: Uint8Array): HeaderBlock => {
  if (block.length !== TAR_BLOCK) return { _tag: "invalid", reason: "incomplete header block" };
  if (isZero(block)) return { _tag: "end" };
  if (!checksumMatches(block)) return { _tag: "invalid", reason: "header checksum mismatch" };
  const size = parseNumeric(block.subarray(124, 136));
  if (size === undefined) return { _tag: "invalid", reason: "malformed size field" };
  const typeflag = String.fromCharCode(block[156] as number);
  const magic = Buffer.from(block.subarray(257, 263)).toString("latin1");
  const name = cString(block.subarray(0, 100));
  // POSIX ustar splits long names into prefix/name; old GNU tars use that area for times, so only ustar.
  const prefix = magic === "ustar\0" ? cString(block.subarray(345, 500)) : "";
  return {
    _tag: "header",
    header: {
      name: prefix ? `${prefix}/${name}` : name,
      kind: KINDS[typeflag] ?? "other",
      typeflag,
      size,
      mode: (parseNumeric(block.subarray(100, 108)) ?? 0) & 0o7777,
      linkname: cString(block.subarray(157, 257)),
    },
  };
};

/** PAX extended header records (`"<length> <key>=<value>\n"`), or the reason they are malformed. */
export const parsePaxRecords = (data: Uint8Array): ReadonlyMap<string, string> | string => {
  const records = new Map<string, string>();
  const bytes = Buffer.from(data);
  let at = 0;
  while (at < bytes.length) {
    if (bytes[at] === 0) break; // trailing NUL padding
    const space = bytes.indexOf(0x20, at);
    if (space === -1) return "PAX record without a length";
    const lengthText = bytes.subarray(at, space).toString("latin1");
    if (!/^[0-9]+$/.test(lengthText)) return "PAX record with a malformed length";
    const length = Number.parseInt(lengthText, 10);
    if (length <= space - at + 1 || at + length > bytes.length || bytes[at + length - 1] !== 0x0a) {
      return "PAX record whose length does not match its content";
    }
    const record = bytes.subarray(space + 1, at + length - 1).toString("utf8");
    const equals = record.indexOf("=");
    if (equals <= 0) return "PAX record without a key";
    records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return records;
};
