import { spawn } from "node:child_process";
import type { LocalUser } from "../environment/other-user.js";

/** A process running as another local user, whose stdout lines are JSON events. */
export interface UserProcess {
  readonly pid: number;
  /** The events printed so far (one JSON object per stdout line). */
  readonly events: ReadonlyArray<Record<string, unknown>>;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** Resolves with the first event `match` accepts; rejects when the process ends first or after `timeoutMs`. */
  waitFor(match: (event: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Ends it (SIGKILL) and waits for its end. */
  stop(): Promise<void>;
  /** Resolves with its exit code when it ends. */
  readonly done: Promise<number | null>;
}

/**
 * Starts `argv` as `user` for real: `setpriv --reuid --regid --clear-groups` drops every id (real,
 * effective, saved; its own group only), so it has that user's rights and nothing of ours. The
 * environment is only `env` (plus a PATH).
 */
export const startAsUser = (user: LocalUser, argv: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): UserProcess => {
  const child = spawn("setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", ...argv], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  let pending = "";
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        events.push({ event: "text", text: line });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  let ended = false;
  const done = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      ended = true;
      for (const wake of waiters) wake();
      resolve(code);
    }),
  );
  return {
    pid: child.pid ?? -1,
    events,
    stderr: () => stderr,
    waitFor: (match, what, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr}`)), timeoutMs);
        const check = () => {
          const found = events.find(match);
          if (found) finish(undefined, found);
          else if (ended) finish(new Error(`the process of ${user.name} ended before ${what}; stderr: ${stderr}`));
        };
        const finish = (error: Error | undefined, event?: Record<string, unknown>) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(event!);
        };
        waiters.add(check);
        check();
      }),
    stop: async () => {
      if (!ended) child.kill("SIGKILL");
      await done;
    },
    done,
  };
};

/** Runs a Node.js ES module given as source text, as `user`, with `args` (see {@link startAsUser}). */
export const startNodeScriptAsUser = (user: LocalUser, source: string, args: ReadonlyArray<string>): UserProcess =>
  startAsUser(user, [process.execPath, "--input-type=module", "--eval", source, "--", ...args]);
