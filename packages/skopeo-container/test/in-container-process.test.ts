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

describe("the in-container wrapper and stopper", () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), "skopush-wrapper-"));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  it("passes every argument through verbatim, with no shell interpretation", () => {
    const args = ["robot$proj+ci", "a b", "'quoted'", "$(touch pwned)", "; rm -rf /", "--dest-creds=x", ""];
    const result = run(wrappedCommand(workspace, ["printf", "<%s>\\n", ...args]));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(args.map((a) => `<${a}>\n`).join(""));
    expect(existsSync(join(process.cwd(), "pwned"))).toBe(false);
  });

  it("records the pid of the command itself (the wrapper execs it), and the stopper terminates it", async () => {
    const child = spawn(wrappedCommand(workspace, ["sleep", "30"])[0]!, wrappedCommand(workspace, ["sleep", "30"]).slice(1));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    while (!existsSync(join(workspace, PID_FILE)) || readFileSync(join(workspace, PID_FILE), "utf8").trim() === "") {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(Number(readFileSync(join(workspace, PID_FILE), "utf8").trim())).toBe(child.pid);
    expect(run(stopCommand(workspace, "TERM")).status).toBe(0);
    expect(await exited).toBe("SIGTERM");
    expect(existsSync(join(workspace, CANCELLED_FILE))).toBe(true);
  });

  it("runs the command with umask 077: the pid file and what the command writes are its owner's alone", () => {
    const written = join(workspace, "digest");
    expect(run(wrappedCommand(workspace, ["sh", "-c", 'echo sha256:x > "$1"', "write", written])).status).toBe(0);
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
