import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CANCELLED_FILE,
  PID_FILE,
  probeCommand,
  PROBE_EXIT,
  stopCommand,
  wrappedCommand,
  WRAPPER_CANCELLED_EXIT,
  WRAPPER_NO_WORKSPACE_EXIT,
} from "../src/index.js";

// The scripts run inside the container under its /bin/sh; here they run under this machine's, which is
// the same POSIX shell the test image holds (dash).
const run = (argv: ReadonlyArray<string>) => spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });

/** Runs the wrapper as an exec session does: stdin open (never written) until `closeStdinAfterMs`, if given. */
const session = (argv: ReadonlyArray<string>, closeStdinAfterMs?: number) => {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  if (closeStdinAfterMs !== undefined) setTimeout(() => child.stdin.end(), closeStdinAfterMs);
  const done = new Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    child.on("close", (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const recordedPid = async (workspace: string): Promise<number> => {
  while (!existsSync(join(workspace, PID_FILE)) || !/^\d+$/.test(readFileSync(join(workspace, PID_FILE), "utf8").trim())) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return Number(readFileSync(join(workspace, PID_FILE), "utf8").trim());
};

/** The program `pid` runs once it has exec'd (a forked shell shows `sh` until then); waits up to 5 s. */
const commandOf = async (pid: number): Promise<string | undefined> => {
  let command: string | undefined;
  for (let waited = 0; waited < 5_000; waited += 10) {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
    if (command !== "sh") return command;
    await new Promise((r) => setTimeout(r, 10));
  }
  return command;
};

describe("the in-container wrapper and stopper", () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), "skopush-wrapper-"));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  it("passes every argument through verbatim, with no shell interpretation, and the command's exit code back", async () => {
    const args = ["robot$proj+ci", "a b", "'quoted'", "$(touch pwned)", "; rm -rf /", "--dest-creds=x", ""];
    const { child, done } = session(wrappedCommand(workspace, ["printf", "<%s>\\n", ...args]));
    const result = await done;
    child.stdin.end();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(args.map((a) => `<${a}>\n`).join(""));
    expect(existsSync(join(process.cwd(), "pwned"))).toBe(false);
    const failing = session(wrappedCommand(workspace, ["sh", "-c", "echo oops >&2; exit 3"]));
    expect(await failing.done).toMatchObject({ status: 3, stderr: "oops\n" });
    failing.child.stdin.end();
  });

  it("records the command's pid, and the stopper terminates it", async () => {
    const { child, done } = session(wrappedCommand(workspace, ["sleep", "30"]));
    const pid = await recordedPid(workspace);
    // The pid is recorded right after the fork; the child is the wrapper's shell until it has exec'd sleep.
    expect(await commandOf(pid)).toBe("sleep");
    expect(run(stopCommand(workspace, "TERM")).status).toBe(0);
    expect((await done).status).toBe(143);
    child.stdin.end();
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(workspace, CANCELLED_FILE))).toBe(true);
  });

  it("ends the command when its session's stdin ends (skopush killed), then removes the authfile", async () => {
    const auth = join(workspace, "auth.json");
    writeFileSync(auth, "{}", { mode: 0o600 });
    const { done } = session(wrappedCommand(workspace, ["sleep", "30"], { graceSeconds: 5, authFile: auth }), 300);
    const pid = await recordedPid(workspace);
    const result = await done;
    expect(result.status).toBe(143);
    expect(result.stderr).toBe("");
    expect(result.ms).toBeLessThan(5_000);
    expect(alive(pid)).toBe(false);
    expect(existsSync(auth)).toBe(false);
  });

  it("kills a command that ignores SIGTERM once the grace period is over", async () => {
    const { child, done } = session(wrappedCommand(workspace, ["sh", "-c", 'trap "" TERM; echo ready; exec sleep 30'], { graceSeconds: 1 }));
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdin.end();
    const pid = await recordedPid(workspace);
    expect((await done).status).toBe(137);
    expect(alive(pid)).toBe(false);
  });

  it("removes the authfile after a command that ended by itself too", async () => {
    const auth = join(workspace, "auth.json");
    writeFileSync(auth, "{}", { mode: 0o600 });
    const { child, done } = session(wrappedCommand(workspace, ["true"], { authFile: auth }));
    expect((await done).status).toBe(0);
    child.stdin.end();
    expect(existsSync(auth)).toBe(false);
  });

  it("runs the command with umask 077: the pid file and what the command writes are its owner's alone", async () => {
    const written = join(workspace, "digest");
    const { child, done } = session(wrappedCommand(workspace, ["sh", "-c", 'echo sha256:x > "$1"', "write", written]));
    expect((await done).status).toBe(0);
    child.stdin.end();
    expect(statSync(written).mode & 0o777).toBe(0o600);
    expect(statSync(join(workspace, PID_FILE)).mode & 0o777).toBe(0o600);
  });

  it("does not start the command when the workspace was cancelled first", () => {
    expect(run(stopCommand(workspace, "TERM")).status).toBe(0);
    const result = run(wrappedCommand(workspace, ["printf", "started"]));
    expect(result.status).toBe(WRAPPER_CANCELLED_EXIT);
    expect(result.stdout).toBe("");
  });

  it("does not start the command when the workspace is gone", () => {
    const result = run(wrappedCommand(join(workspace, "gone"), ["printf", "started"]));
    expect(result.status).toBe(WRAPPER_NO_WORKSPACE_EXIT);
    expect(result.stdout).toBe("");
  });

  it("stops nothing, quietly, when the workspace is gone", () => {
    expect(run(stopCommand(join(workspace, "gone"), "KILL")).status).toBe(0);
  });
});

describe("the probe command", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "skopush-probe-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withPath = (argv: ReadonlyArray<string>, path: string) =>
    spawnSync("/bin/sh", argv.slice(1), { encoding: "utf8", env: { PATH: path } });

  it("reports a missing marker, a marker with other content and a missing skopeo by exit code", () => {
    const marker = { path: join(dir, "marker"), content: "abc123" };
    expect(run(probeCommand({ marker })).status).toBe(PROBE_EXIT.markerMissing);
    writeFileSync(marker.path, "other\n");
    expect(run(probeCommand({ marker })).status).toBe(PROBE_EXIT.markerDiffers);
    writeFileSync(marker.path, "abc123\n");
    expect(withPath(probeCommand({ marker }), dir).status).toBe(PROBE_EXIT.noSkopeo);
    const missing = withPath(probeCommand({ marker, require: ["rm", "no-such-program"] }), `${dir}:/usr/bin:/bin`);
    expect([missing.status, missing.stdout]).toEqual([PROBE_EXIT.programMissing, "no-such-program\n"]);
  });

  it("runs skopeo --version when everything is in place", () => {
    writeFileSync(join(dir, "skopeo"), "#!/bin/sh\necho \"skopeo version 9.9.9 $*\"\n", { mode: 0o755 });
    const result = withPath(probeCommand(), `${dir}:/usr/bin:/bin`);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("skopeo version 9.9.9 --version\n");
  });
});
