import { createReadStream } from "node:fs";
import { Readable } from "node:stream";

/** One entry of a tar stream skopush uploads into a container. */
export type TarEntry =
  | { readonly type: "directory"; readonly name: string; readonly mode: number }
  | { readonly type: "file"; readonly name: string; readonly mode: number; readonly content: Buffer }
  | { readonly type: "file"; readonly name: string; readonly mode: number; readonly path: string; readonly size: number };

const BLOCK = 512;
const OCTAL_LIMIT = 8 ** 11;

const writeString = (header: Buffer, offset: number, length: number, value: string) => {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new RangeError(`tar: ${JSON.stringify(value)} is longer than ${length} bytes`);
  bytes.copy(header, offset);
};

const writeOctal = (header: Buffer, offset: number, length: number, value: number) => {
  if (value < 8 ** (length - 1)) {
    writeString(header, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
    return;
  }
  // GNU base-256 for sizes of 8 GiB and more (image archives can be that large); Go's archive/tar,
  // which the daemon uses, reads it.
  header[offset] = 0x80;
  let rest = BigInt(value);
  for (let i = offset + length - 1; i > offset; i--) {
    header[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
};

/** A ustar header block; names up to 100 bytes, or 255 split at a slash into prefix and name. */
export const tarHeader = (name: string, type: "0" | "5", mode: number, size: number, mtime = 0): Buffer => {
  const header = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new RangeError(`tar: the name ${JSON.stringify(name)} is too long`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  writeString(header, 0, 100, base);
  writeOctal(header, 100, 8, mode & 0o7777);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, mtime);
  header.fill(0x20, 148, 156);
  header.write(type, 156, "latin1");
  writeString(header, 257, 6, "ustar\0");
  writeString(header, 263, 2, "00");
  writeString(header, 265, 32, "root");
  writeString(header, 297, 32, "root");
  writeString(header, 345, 155, prefix);
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return header;
};

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

async function* generate(entries: ReadonlyArray<TarEntry>, onFileBytes?: (bytes: number) => void): AsyncGenerator<Buffer> {
  const mtime = Math.floor(Date.now() / 1000);
  for (const entry of entries) {
    if (entry.type === "directory") {
      yield tarHeader(entry.name.endsWith("/") ? entry.name : `${entry.name}/`, "5", entry.mode, 0, mtime);
      continue;
    }
    if ("content" in entry) {
      yield tarHeader(entry.name, "0", entry.mode, entry.content.length, mtime);
      yield entry.content;
      yield padding(entry.content.length);
      continue;
    }
    yield tarHeader(entry.name, "0", entry.mode, entry.size, mtime);
    let sent = 0;
    for await (const chunk of createReadStream(entry.path)) {
      const buffer = chunk as Buffer;
      // A file that grew since it was measured would corrupt the stream: send exactly `size` bytes.
      const part = sent + buffer.length > entry.size ? buffer.subarray(0, entry.size - sent) : buffer;
      sent += part.length;
      yield part;
      onFileBytes?.(part.length);
      if (sent >= entry.size) break;
    }
    if (sent !== entry.size) throw new Error(`tar: ${entry.path} shrank from ${entry.size} to ${sent} bytes while it was sent`);
    yield padding(entry.size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** A tar stream of `entries`, produced as it is read: a large file is streamed from disk, never buffered. */
export const tarStream = (entries: ReadonlyArray<TarEntry>, onFileBytes?: (bytes: number) => void): Readable =>
  Readable.from(generate(entries, onFileBytes), { objectMode: false });
