import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where the bundle's compiled code is kept between runs, and how it is read and written. */
export interface CompileCache {
  /** The file, or undefined when caching is off or no private directory is available. */
  readonly path: string | undefined;
  /** The cached data, or undefined when there is none we can trust. */
  read(): Buffer | undefined;
  /** Replaces the cached data (atomically; failures are ignored: the cache is an optimisation). */
  write(data: Buffer): void;
}

/** What the cache's location depends on. */
export interface CompileCacheOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Identifies the payload (a hash made at build time), so another build never reads this one's code. */
  readonly payloadId: string;
  /** Separates what different commands compile (`push`, `doctor`, …): each run caches what it used. */
  readonly profile: string;
  /** @default process.getuid() */
  readonly uid?: number | undefined;
}

// Far larger than any cache of the payload; a bigger file is not ours.
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
// Each file starts with this and the CRC-32 of the data after it: V8 checks only its own header, and
// deserializing a body damaged on disk aborts the process (release builds skip V8's checksum).
const MAGIC = Buffer.from("skc1");
const HEADER_BYTES = MAGIC.length + 4;
// node:zlib is loaded only when a cache is read or written: `skopush --version` never pays for it.
const crc32 = (data: Buffer): number => process.getBuiltinModule("node:zlib").crc32(data);

/**
 * The compile cache of the bundled CLI: V8's code cache for the payload, per user, in
 * `$SKOPUSH_COMPILE_CACHE` or `$XDG_CACHE_HOME/skopush/compile-cache` (default `~/.cache/…`), off with
 * `SKOPUSH_COMPILE_CACHE=off`. Only a directory and files owned by this user and writable by nobody else
 * are trusted: the cache holds code this process runs; a file whose checksum does not match is not used.
 */
export const compileCache = (options: CompileCacheOptions): CompileCache => {
  const directory = cacheDirectory(options.env);
  const uid = options.uid ?? process.getuid?.() ?? -1;
  if (directory === undefined) return { path: undefined, read: () => undefined, write: () => {} };
  const name = `${options.payloadId}-${process.version}-${process.arch}-${options.profile.replace(/[^a-z0-9-]/gi, "_")}.v8`;
  const path = join(directory, name);
  return {
    path,
    read: () => {
      if (!privateDirectory(directory, uid)) return undefined;
      let fd: number | undefined;
      try {
        fd = openSync(path, "r");
        const info = fstatSync(fd);
        if (!info.isFile() || info.uid !== uid || (info.mode & 0o022) !== 0 || info.size <= HEADER_BYTES || info.size > MAX_CACHE_BYTES) return undefined;
        const file = Buffer.allocUnsafe(info.size);
        let offset = 0;
        while (offset < file.length) {
          const read = readSync(fd, file, offset, file.length - offset, offset);
          if (read === 0) return undefined;
          offset += read;
        }
        const data = file.subarray(HEADER_BYTES);
        const intact = file.subarray(0, MAGIC.length).equals(MAGIC) && file.readUInt32BE(MAGIC.length) === crc32(data);
        return intact ? data : undefined;
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    write: (data) => {
      const temporary = `${path}.${process.pid}.tmp`;
      try {
        mkdirSync(directory, { recursive: true, mode: 0o700 });
        if (!privateDirectory(directory, uid)) return;
        const header = Buffer.alloc(HEADER_BYTES);
        MAGIC.copy(header);
        header.writeUInt32BE(crc32(data), MAGIC.length);
        writeFileSync(temporary, Buffer.concat([header, data]), { mode: 0o600, flag: "wx" });
        renameSync(temporary, path);
        pruneOtherPayloads(directory, options.payloadId);
      } catch {
        // A half-written temporary file must not stay behind.
        try {
          rmSync(temporary, { force: true });
        } catch {
          // its directory is not there either
        }
      }
    },
  };
};

/** Removes the caches of other builds (an upgrade leaves the old one's behind); another build's run writes its own again. */
const pruneOtherPayloads = (directory: string, payloadId: string): void => {
  for (const name of readdirSync(directory)) {
    if (name.endsWith(".v8") && !name.startsWith(`${payloadId}-`)) rmSync(join(directory, name), { force: true });
  }
};

/** The cache directory, or undefined when caching is off. */
export const cacheDirectory = (env: Readonly<Record<string, string | undefined>>): string | undefined => {
  const setting = env.SKOPUSH_COMPILE_CACHE?.trim();
  if (setting === "off" || setting === "0" || setting === "false") return undefined;
  if (setting) return setting;
  const base = env.XDG_CACHE_HOME?.trim() || safeHome();
  return base === undefined ? undefined : join(base, env.XDG_CACHE_HOME?.trim() ? "" : ".cache", "skopush", "compile-cache");
};

const safeHome = (): string | undefined => {
  try {
    return homedir();
  } catch {
    return undefined;
  }
};

/** True when `directory` is a directory of `uid`'s that nobody else can write to. */
const privateDirectory = (directory: string, uid: number): boolean => {
  try {
    const info = statSync(directory);
    return info.isDirectory() && info.uid === uid && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
};

/**
 * Which cache a command line uses: each command (and each `--strategy` choice of a push) compiles other
 * functions, and a cache holds what the run that wrote it compiled. Help compiles little: `other`.
 */
export const cacheProfile = (argv: ReadonlyArray<string>): string => {
  const [command] = argv;
  if (argv.includes("--help") || argv.includes("-h")) return "other";
  if (command !== "push") return command === "doctor" || command === "service" ? command : "other";
  const strategies = argv.flatMap((word, i) =>
    word === "--strategy" ? [argv[i + 1] ?? ""] : word.startsWith("--strategy=") ? [word.slice("--strategy=".length)] : [],
  );
  return strategies.length === 0 ? "push" : `push-${strategies.join(",")}`;
};
