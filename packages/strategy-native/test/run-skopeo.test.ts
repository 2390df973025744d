import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { NativeSkopeoHost, resolveNativeSkopeoOptions, type NativeSkopeoOptions } from "../src/index.js";
import { startSkopeoWatchdog } from "../src/run-skopeo.js";
import { failureOf, fakeSkopeo, isRunning, tempDir } from "./support.js";

const host = (options: NativeSkopeoOptions) => new NativeSkopeoHost("native", resolveNativeSkopeoOptions(options));

const waitFor = async (path: string): Promise<string> => {
  for (let i = 0; i < 1000; i++) {
    const text = await readFile(path, "utf8").catch(() => "");
    if (text.trim()) return text.trim();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${path} never appeared`);
};

describe("NativeSkopeoHost.run", () => {
  it("passes argv untouched (no shell), streams lines as printed, and returns a non-zero exit as a result", async () => {
    const dir = await tempDir();
    const skopeo = await fakeSkopeo(dir, 'for a in "$@"; do echo "arg:$a"; done; echo "warn" >&2; exit 7');
    const lines: Array<[string, string]> = [];
    const args = ["copy", "robot$proj+ci", "a b", "$(touch /tmp/skopush-pwned)", "x;y|z"];
    const result = await Effect.runPromise(host({ skopeoPath: skopeo }).run(args, { onLine: (line, stream) => lines.push([stream, line]) }));
    expect(result).toMatchObject({ exitCode: 7, stderr: "warn" });
    expect(lines).toEqual([...args.map((a): [string, string] => ["stdout", `arg:${a}`]), ["stderr", "warn"]]);
  });

  it("gives skopeo only the allowlisted environment plus its own, never this process's secrets", async () => {
    const dir = await tempDir();
    const skopeo = await fakeSkopeo(dir, "env");
    process.env.SKOPUSH_TEST_SECRET = "do-not-leak";
    try {
      const result = await Effect.runPromise(host({ skopeoPath: skopeo, extraEnv: { HTTPS_PROXY: "http://proxy:3128" } }).run([], { env: { TMPDIR: "/tmp/ws/tmp" } }));
      expect(result.stdout).not.toContain("do-not-leak");
      expect(result.stdout).toContain("HTTPS_PROXY=http://proxy:3128");
      expect(result.stdout).toContain("TMPDIR=/tmp/ws/tmp");
      expect(result.stdout).toContain(`PATH=${process.env.PATH}`);
    } finally {
      delete process.env.SKOPUSH_TEST_SECRET;
    }
  });

  it("fails with EnvironmentFault when skopeo cannot be started or is killed under it", async () => {
    const dir = await tempDir();
    const missing = await failureOf(host({ skopeoPath: join(dir, "nope") }).run(["copy"]));
    expect(missing).toMatchObject({ _tag: "EnvironmentFault", strategy: "native" });
    expect(missing.message).toContain("not installed or not executable");
    const killed = await failureOf(host({ skopeoPath: await fakeSkopeo(dir, "kill -9 $$") }).run(["copy"]));
    expect(killed.message).toContain("killed by SIGKILL");
  });

  it("on interruption sends SIGTERM, then SIGKILL after stopGraceMs, and returns only once skopeo is gone", async () => {
    const dir = await tempDir();
    const pidFile = join(dir, "pid");
    const log = join(dir, "log");
    // Notes SIGTERM and keeps going, like a process stuck in I/O: only SIGKILL ends it. Each tick after the
    // SIGTERM shows it was still alive, i.e. not killed at once.
    const skopeo = await fakeSkopeo(
      dir,
      `term=; trap 'term=1; echo TERM >> "${log}"' TERM; echo $$ > '${pidFile}'; while true; do [ -n "$term" ] && echo tick >> "${log}"; sleep 0.05; done`,
    );
    const fiber = Effect.runFork(host({ skopeoPath: skopeo, stopGraceMs: 1_000 }).run(["copy"]));
    const pid = Number(await waitFor(pidFile));
    expect(await isRunning(pid)).toBe(true);
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(await isRunning(pid)).toBe(false);
    const events = (await readFile(log, "utf8").catch(() => "")).trim().split("\n");
    // SIGTERM first, then skopeo lived on through the grace period until SIGKILL (a SIGTERM alone never ends it).
    expect(events[0]).toBe("TERM");
    expect(events.filter((event) => event === "tick").length).toBeGreaterThanOrEqual(2);
  });

  it("reports the bytes skopeo has read, on Linux", async () => {
    const dir = await tempDir();
    const data = join(dir, "data");
    await writeFile(data, Buffer.alloc(3 * 1024 * 1024, 1));
    const skopeo = await fakeSkopeo(dir, `cat '${data}' > /dev/null; sleep 0.4`);
    const samples: number[] = [];
    await Effect.runPromise(host({ skopeoPath: skopeo, progressIntervalMs: 10 }).run([], { onBytesRead: (bytes) => samples.push(bytes) }));
    expect(samples.length).toBeGreaterThan(0);
    expect(Math.max(...samples)).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(samples).toEqual([...samples].sort((a, b) => a - b));
  });

  it("removes the authfile as soon as skopeo has ended, and leaves no watchdog", async () => {
    const dir = await tempDir();
    const auth = join(dir, "auth.json");
    await writeFile(auth, "{}", { mode: 0o600 });
    const skopeo = await fakeSkopeo(dir, "exit 0");
    expect((await Effect.runPromise(host({ skopeoPath: skopeo }).run(["copy"], { authFile: auth }))).exitCode).toBe(0);
    expect(existsSync(auth)).toBe(false);
  });
});

describe("the skopeo watchdog", () => {
  it("stops skopeo (TERM, then KILL after the grace) and removes the authfile when the process that ran it ends", async () => {
    const dir = await tempDir();
    const auth = join(dir, "auth.json");
    await writeFile(auth, "{}", { mode: 0o600 });
    // Ignores SIGTERM (once it says so): only the KILL after the grace ends it.
    const skopeo = spawn("sh", ["-c", "trap '' TERM; echo ready; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    await new Promise<void>((resolve) => skopeo.stdout!.once("data", () => resolve()));
    const watchdog = startSkopeoWatchdog(skopeo.pid!, 1_000, auth);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => skopeo.on("exit", (_code, signal) => resolve(signal)));
    // What the end of this process does to the watchdog's stdin.
    watchdog.process!.stdin!.end();
    expect(await exited).toBe("SIGKILL");
    await new Promise<void>((resolve) => watchdog.process!.on("exit", () => resolve()));
    expect(existsSync(auth)).toBe(false);
  });

  it("does nothing once dismissed", async () => {
    const dir = await tempDir();
    const auth = join(dir, "auth.json");
    await writeFile(auth, "{}", { mode: 0o600 });
    const skopeo = spawn("sleep", ["30"], { stdio: "ignore" });
    const watchdog = startSkopeoWatchdog(skopeo.pid!, 100, auth);
    const gone = new Promise<void>((resolve) => watchdog.process!.on("exit", () => resolve()));
    watchdog.dismiss();
    await gone;
    expect(await isRunning(skopeo.pid!)).toBe(true);
    expect(existsSync(auth)).toBe(true);
    skopeo.kill("SIGKILL");
  });
});
