import { readdirSync, readFileSync } from "node:fs";

/** One process of this machine, as `/proc` shows it (processes in containers included). */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** The executable's short name (`/proc/<pid>/comm`). */
  readonly comm: string;
  /** The argv joined with spaces. */
  readonly cmdline: string;
  /** Resident memory in bytes (0 for kernel threads and zombies). */
  readonly rssBytes: number;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return undefined;
  }
};

/** The pids in `/proc`. */
export const processIds = (): number[] => readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number);

/** One process, or undefined when it is gone. */
export const processInfo = (pid: number): ProcessInfo | undefined => {
  const status = read(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, "m").exec(status)?.[1]?.trim();
  return {
    pid,
    ppid: Number(field("PPid") ?? 0),
    comm: field("Name") ?? "",
    cmdline: (read(`/proc/${pid}/cmdline`) ?? "").replaceAll("\0", " ").trim(),
    rssBytes: Number((field("VmRSS") ?? "0 kB").split(/\s+/)[0]) * 1024,
  };
};

/** Every process of this machine. */
export const listProcesses = (): ProcessInfo[] =>
  processIds()
    .map(processInfo)
    .filter((info): info is ProcessInfo => info !== undefined);

/** Every live descendant of `pid` (children, their children, …). */
export const descendantsOf = (pid: number, processes: ReadonlyArray<ProcessInfo> = listProcesses()): ProcessInfo[] => {
  const byParent = new Map<number, ProcessInfo[]>();
  for (const info of processes) byParent.set(info.ppid, [...(byParent.get(info.ppid) ?? []), info]);
  const found: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
};

/** True when the process exists and is not a zombie. */
export const isRunning = (pid: number): boolean => {
  const status = read(`/proc/${pid}/status`);
  return status !== undefined && !/^State:\s+Z/m.test(status);
};

/** What any local user with the rights (or root) can read about a process: its argv and its environment. */
export interface ProcessTexts {
  readonly pid: number;
  readonly cmdline: string;
  readonly environ: string;
}

/** The argv and environment of one process, NUL separators turned into spaces; undefined when it is gone. */
export const processTextsOf = (pid: number): ProcessTexts | undefined => {
  const cmdline = read(`/proc/${pid}/cmdline`);
  if (cmdline === undefined) return undefined;
  return { pid, cmdline: cmdline.replaceAll("\0", " "), environ: (read(`/proc/${pid}/environ`) ?? "").replaceAll("\0", " ") };
};

/** The argv and environment of every process, NUL separators turned into spaces. */
export const processTexts = (): ProcessTexts[] =>
  processIds()
    .map(processTextsOf)
    .filter((texts): texts is ProcessTexts => texts !== undefined);

/** `PF_FORKNOEXEC` of the kernel's task flags (include/linux/sched.h): forked, and no exec since. */
const PF_FORKNOEXEC = 0x40;

/** Where a process comes from, as `/proc/<pid>/stat` says. */
export interface ProcessLineage {
  readonly ppid: number;
  /**
   * Forked and not yet exec'd: its memory, so the argv and environment `/proc` shows, is still a copy of
   * its parent's (a child of node between libuv's fork and its exec shows the parent's command line).
   */
  readonly forkedWithoutExec: boolean;
}

/** The parent of a process and whether it has exec'd since its fork; undefined when it is gone. */
export const processLineage = (pid: number): ProcessLineage | undefined => {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // After "pid (comm) ": state, ppid, pgrp, session, tty_nr, tpgid, flags, … (comm may hold spaces and parentheses).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(fields[1]), forkedWithoutExec: (Number(fields[6]) & PF_FORKNOEXEC) !== 0 };
};
