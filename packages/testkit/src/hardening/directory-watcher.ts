import { lstatSync, readdirSync, type Stats } from "node:fs";
import { join } from "node:path";

/** A path seen under a watched directory. */
export interface WatchedEntry {
  readonly path: string;
  readonly type: "file" | "directory" | "symlink" | "other";
  /** The inode: a hard link to a file elsewhere has that file's. */
  readonly ino: number;
  /** Every permission mode (`mode & 0o7777`) the path was seen with. */
  readonly modes: ReadonlyArray<number>;
}

/** A watcher running in the background until {@link DirectoryWatcher.stop}. */
export interface DirectoryWatcher {
  /** Stops after the scan in progress and answers every path seen, in the order first seen. */
  stop(): Promise<ReadonlyArray<WatchedEntry>>;
}

const typeOf = (info: Stats): WatchedEntry["type"] =>
  info.isSymbolicLink() ? "symlink" : info.isDirectory() ? "directory" : info.isFile() ? "file" : "other";

/**
 * Scans `directories` recursively every `intervalMs` (without following links) and records each path
 * with the modes it had: how a test sees what a push writes while it exists, and whether anyone but the
 * owner could read it.
 */
export const startDirectoryWatcher = (directories: ReadonlyArray<string>, intervalMs = 10): DirectoryWatcher => {
  const seen = new Map<string, { type: WatchedEntry["type"]; ino: number; modes: Set<number> }>();
  let running = true;
  const visit = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      let info: Stats;
      try {
        info = lstatSync(path);
      } catch {
        continue;
      }
      const entry = seen.get(path) ?? { type: typeOf(info), ino: info.ino, modes: new Set<number>() };
      entry.modes.add(info.mode & 0o7777);
      seen.set(path, entry);
      if (info.isDirectory()) visit(path);
    }
  };
  const scan = () => directories.forEach(visit);
  const loop = (async () => {
    while (running) {
      scan();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      scan();
      return [...seen].map(([path, entry]) => ({ path, type: entry.type, ino: entry.ino, modes: [...entry.modes] }));
    },
  };
};

/** The names in `dir`; none when it does not exist. */
export const entriesOf = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};
