import { readFileSync, readlinkSync } from "node:fs";
import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Temporary directories named after the process that made them, so that what a killed push left (a
 * SIGKILL runs no finalizer) can be found and removed by the next run:
 * `<base><boot>-<ns>-<pid>-<start>-XXXXXX`, where `boot` is this boot's id (8 hex), `ns` the owner's pid
 * namespace (8 hex: pids of another namespace, another container, say nothing here), `pid` the owner's
 * pid and `start` its start time in clock ticks since boot (`/proc/<pid>/stat`), which tells a pid reused
 * since from the owner itself.
 */

/** A temporary directory's owner, as its name records it. */
export interface TempDirectoryOwner {
  readonly boot: string;
  readonly ns: string;
  readonly pid: number;
  readonly start: number;
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** This boot's id, shortened (Linux); `00000000` where the kernel has none, then liveness is a pid check. */
const bootId = (): string => (readText("/proc/sys/kernel/random/boot_id") ?? "").replace(/[^0-9a-f]/g, "").slice(0, 8).padEnd(8, "0");

/** This process's pid namespace (its inode, 8 hex), `00000000` where there are none. */
const pidNamespace = (): string => {
  try {
    const link = readlinkSync("/proc/self/ns/pid");
    return Number(/\[(\d+)\]/.exec(link)?.[1] ?? 0).toString(16).slice(-8).padStart(8, "0");
  } catch {
    return "00000000";
  }
};

/** A process's start time in clock ticks since boot (`/proc/<pid>/stat`, field 22), or undefined. */
const startTicks = (pid: number): number | undefined => {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : undefined;
};

let self: TempDirectoryOwner | undefined;

/** This process, as its temporary directories name it. */
export const currentOwner = (): TempDirectoryOwner => (self ??= { boot: bootId(), ns: pidNamespace(), pid: process.pid, start: startTicks(process.pid) ?? 0 });

/** The name prefix of a temporary directory this process makes (`mkdtemp` adds six characters). */
export const ownedPrefix = (base: string, owner: TempDirectoryOwner = currentOwner()): string => `${base}${owner.boot}-${owner.ns}-${owner.pid}-${owner.start}-`;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The owner a temporary directory's name records, or undefined when `name` is not `<base><owner>-XXXXXX`. */
export const ownerOf = (name: string, base: string): TempDirectoryOwner | undefined => {
  const match = new RegExp(`^${escape(base)}([0-9a-f]{8})-([0-9a-f]{8})-(\\d+)-(\\d+)-[A-Za-z0-9]{6}$`).exec(name);
  return match ? { boot: match[1]!, ns: match[2]!, pid: Number(match[3]), start: Number(match[4]) } : undefined;
};

/**
 * Whether `owner` is certainly gone: it ran in an earlier boot of this machine, or no process of this pid
 * namespace has its pid, or the one that has it started at another time (the pid was reused). An owner of
 * another pid namespace is never called gone; nor, with `sameBootOnly`, one of another boot (which, for a
 * directory inside a container several machines use, may be another machine).
 */
export const ownerIsGone = (owner: TempDirectoryOwner, options: { readonly sameBootOnly?: boolean } = {}): boolean => {
  const here = currentOwner();
  if (owner.boot !== here.boot) return options.sameBootOnly !== true;
  if (owner.ns !== here.ns) return false;
  if (owner.pid === here.pid) return owner.start !== here.start;
  const start = startTicks(owner.pid);
  if (start !== undefined) return start !== owner.start;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
};

/**
 * Removes the temporary directories in `parent` named `<base><owner>-XXXXXX` whose owner is gone: real
 * directories (not links) owned by this user only, never another user's. Answers the paths removed;
 * never fails (a directory it cannot read or remove is left).
 */
export const reapDeadTempDirectories = async (parent: string, base: string): Promise<string[]> => {
  const uid = process.getuid?.();
  const removed: string[] = [];
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const owner = ownerOf(name, base);
    if (owner === undefined || !ownerIsGone(owner)) continue;
    const path = join(parent, name);
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined || !info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
    await rm(path, { recursive: true, force: true, maxRetries: 3 }).then(
      () => removed.push(path),
      () => undefined,
    );
  }
  return removed;
};

const reaped = new Set<string>();

/**
 * {@link reapDeadTempDirectories} once per `parent` and `base` in this process: the first push of a run
 * cleans up after the pushes killed before it, later ones do not pay for a directory listing again.
 */
export const reapDeadTempDirectoriesOnce = async (parent: string, base: string): Promise<void> => {
  const key = `${parent}\0${base}`;
  if (reaped.has(key)) return;
  reaped.add(key);
  await reapDeadTempDirectories(parent, base);
};
