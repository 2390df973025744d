import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";

/** What reading a configuration file found. */
export type ConfigFileRead =
  | { readonly state: "read"; readonly bytes: Buffer }
  | { readonly state: "missing" }
  | { readonly state: "refused"; readonly reason: string; readonly code: ConfigFileRefusalCode };

/** Why a file was refused: not a regular file, larger than the limit, or unreadable (the errno code). */
export type ConfigFileRefusalCode = "NOT_REGULAR" | "TOO_LARGE" | (string & {});

/** The most a credentials file (docker's config.json, containers' auth.json) may hold: 1 MiB. */
export const CREDENTIALS_FILE_MAX_BYTES = 1 << 20;

/** The most a certificate or key file (a CA bundle, a certs.d entry, a TLS key) may hold: 4 MiB. */
export const CERTIFICATE_FILE_MAX_BYTES = 4 << 20;

// O_NONBLOCK: opening a named pipe without a writer returns at once instead of blocking a thread forever;
// regular files read as usual. O_NOCTTY: a terminal named by mistake never becomes ours.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
const MISSING = new Set(["ENOENT", "ENOTDIR"]);

const kindOf = (info: Stats): string =>
  info.isDirectory()
    ? "a directory"
    : info.isFIFO()
      ? "a named pipe (FIFO)"
      : info.isCharacterDevice()
        ? "a character device"
        : info.isBlockDevice()
          ? "a block device"
          : info.isSocket()
            ? "a socket"
            : "not a regular file";

const sizeText = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

const notRegular = (info: Stats): ConfigFileRead => ({ state: "refused", code: "NOT_REGULAR", reason: `is not a regular file: it is ${kindOf(info)}` });

const tooLarge = (bytes: number, maxBytes: number): ConfigFileRead => {
  // Sizes that round alike are given in bytes, so the message never reads "4.0 MiB, more than 4.0 MiB".
  const [size, limit] = sizeText(bytes) === sizeText(maxBytes) ? [`${bytes} bytes`, `${maxBytes} bytes`] : [sizeText(bytes), sizeText(maxBytes)];
  return { state: "refused", code: "TOO_LARGE", reason: `is ${size}, more than the ${limit} such a file may hold` };
};

const failed = (error: unknown): ConfigFileRead => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && MISSING.has(code)) return { state: "missing" };
  return { state: "refused", code: code ?? "EIO", reason: `cannot be read (${code ?? String(error)})` };
};

/** Options of {@link readConfigFile}. */
export interface ConfigFileLimits {
  /** The largest file accepted, in bytes. */
  readonly maxBytes: number;
}

/** One read the shared loop asks for: fill `buffer` from `offset` (the file position too), at most `length` bytes. */
interface ReadRequest {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly length: number;
}

/**
 * The checks and the read loop of both readers, apart from how a read is done: yields each read it needs
 * and is resumed with the bytes that read got (0 at the end of the file).
 */
function* readWithinLimit(info: Stats, maxBytes: number): Generator<ReadRequest, ConfigFileRead, number> {
  if (!info.isFile()) return notRegular(info);
  if (info.size > maxBytes) return tooLarge(info.size, maxBytes);
  let buffer = Buffer.alloc(info.size + 1);
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      // It grew since fstat: read on, up to one byte past the limit.
      if (filled > maxBytes) return tooLarge(filled, maxBytes);
      buffer = Buffer.concat([buffer, Buffer.alloc(maxBytes + 1 - filled)]);
    }
    const bytesRead = yield { buffer, offset: filled, length: buffer.length - filled };
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > maxBytes) return tooLarge(filled, maxBytes);
  return { state: "read", bytes: buffer.subarray(0, filled) };
}

/**
 * Reads the regular file at `path` (links followed) whole, if it holds at most `maxBytes`. A missing file
 * (or a missing directory on the way) is `missing`; anything else that is not a readable regular file
 * within the limit is `refused` with a reason, without blocking and without reading more than
 * `maxBytes + 1` bytes. Never rejects.
 */
export const readConfigFile = async (path: string, limits: ConfigFileLimits): Promise<ConfigFileRead> => {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    return failed(error);
  }
  try {
    const steps = readWithinLimit(await handle.stat(), limits.maxBytes);
    let step = steps.next(0);
    while (step.done !== true) {
      const { buffer, offset, length } = step.value;
      step = steps.next((await handle.read(buffer, offset, length, offset)).bytesRead);
    }
    return step.value;
  } catch (error) {
    return failed(error);
  } finally {
    await handle.close().catch(() => undefined);
  }
};

/** {@link readConfigFile}, synchronously, for code that must read before it can go asynchronous. */
export const readConfigFileSync = (path: string, limits: ConfigFileLimits): ConfigFileRead => {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return failed(error);
  }
  try {
    const steps = readWithinLimit(fstatSync(fd), limits.maxBytes);
    let step = steps.next(0);
    while (step.done !== true) {
      const { buffer, offset, length } = step.value;
      step = steps.next(readSync(fd, buffer, offset, length, offset));
    }
    return step.value;
  } catch (error) {
    return failed(error);
  } finally {
    closeSync(fd);
  }
};
