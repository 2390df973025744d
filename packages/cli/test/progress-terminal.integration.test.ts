import { spawn } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readManifest } from "@skopush/testkit/environment";
import { startRegistryProxy } from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { CLI_BIN } from "./spawn-cli.js";
import { uniqueRepository, useCliTestBed } from "./hardening/support.js";

// A person at a terminal: `skopush push` through docker-exec runs in a real pseudo-terminal (util-linux's
// `script`), pushing a 48 MiB archive of random layers through a proxy that lets 8 MiB/s through each upload, so the
// upload takes seconds. skopeo prints no byte progress without a terminal of its own: the counts must come
// from its I/O counters, read from this host's /proc while it runs in the container.

const ARCHIVE_MIB = 48;
const ESC = String.fromCharCode(27);
const HIDE_CURSOR = `${ESC}[?25l`;
const SHOW_CURSOR = `${ESC}[?25h`;

let archive: string;

const bed = useCliTestBed("pty", {
  resident: "skopush-pty",
  proxy: (environment) => startRegistryProxy({ upstream: environment.registry("plain").url, bodyBytesPerSecond: 8 * 2 ** 20 }),
});

beforeAll(async () => {
  archive = (
    await writeImageArchive(join(bed.work.dir, "large.tar"), {
      format: "docker-legacy",
      layers: 3,
      layerSize: (ARCHIVE_MIB * 2 ** 20) / 3,
      compressibility: "random",
      seed: `pty-${Date.now()}`,
    })
  ).path;
});

/** Runs `args` under `script` in a pseudo-terminal of 120 columns; resolves everything the terminal showed. */
const inTerminal = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<{ code: number | null; screen: string }> =>
  new Promise((resolve, reject) => {
    const quoted = [process.execPath, CLI_BIN, ...args].map((arg) => `'${arg.replaceAll("'", `'"'"'`)}'`).join(" ");
    const child = spawn("script", ["--quiet", "--return", "--command", `stty cols 120 rows 40; exec ${quoted}`, "/dev/null"], {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, screen }));
  });

describe("skopush push in a terminal", () => {
  it("docker-exec: says what the strategy is, counts bytes up several times before 100%, and gives the cursor back", async () => {
    const repository = uniqueRepository("pty");
    const reference = `${bed.proxy.host}/${repository}:1`;
    const { code, screen } = await inTerminal(
      ["push", archive, reference, "--strategy", "docker-exec", "--container", bed.resident.name, "--shared-dir", bed.resident.sharedDir, "--insecure"],
      { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: bed.work.home, TERM: "xterm-256color", NO_COLOR: "1" },
    );
    expect(code, screen).toBe(0);
    const text = screen.replaceAll("\r", "");
    // The first thing drawn says which strategy pushes and how.
    expect(text.startsWith(`${HIDE_CURSOR}docker-exec: skopeo in container ${bed.resident.name}\n`), JSON.stringify(text.slice(0, 200))).toBe(true);

    // The byte counts drawn before the first frame at 100%: they move several times while the upload runs.
    const beforeDone = text.slice(0, text.indexOf(" 100%"));
    const counts = [...beforeDone.matchAll(/(\d+(?:\.\d)?) (B|KiB|MiB) of (\d+\.\d) MiB/g)].map((m) => Number(m[1]) * { B: 1, KiB: 1024, MiB: 2 ** 20 }[m[2] as "B"]);
    // Counts that grew, and not only as whole layers finished (what skopeo's own lines tell): measured ones.
    const layerBytes = (ARCHIVE_MIB / 3) * 2 ** 20;
    const moving = counts.filter((bytes, i) => bytes > (counts[i - 1] ?? 0) && bytes % layerBytes !== 0);
    expect(moving.length, JSON.stringify(counts)).toBeGreaterThanOrEqual(3);

    // The cursor was hidden while frames were drawn and shown again before the result.
    expect(text.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(text.lastIndexOf(HIDE_CURSOR));
    const stored = await readManifest(bed.environment.registry("plain"), repository, "1");
    expect(text).toContain(stored.digest);
  });

  it("docker-exec failing: the live frame gives way to one line saying where the push stopped, then the error", async () => {
    // Port 9 (discard) is closed on loopback: skopeo gives up after its retries.
    const { code, screen } = await inTerminal(
      ["push", archive, `127.0.0.1:9/${uniqueRepository("pty-fail")}:1`, "--strategy", "docker-exec", "--container", bed.resident.name, "--shared-dir", bed.resident.sharedDir, "--insecure"],
      { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: bed.work.home, TERM: "xterm-256color", NO_COLOR: "1" },
    );
    expect(code, screen).toBe(1);
    const text = screen.replaceAll("\r", "");
    // What follows the last redraw (cursor up, clear): the line replacing the frame, the cursor back, the error.
    const afterLastRedraw = text.slice(text.lastIndexOf(`${ESC}[0J`) + `${ESC}[0J`.length);
    const [stopped, ...rest] = afterLastRedraw.split("\n");
    expect(stopped).toMatch(/^docker-exec stopped at \d+%/);
    expect(rest.join("\n")).toMatch(new RegExp(`^${SHOW_CURSOR.replace(/[[?]/g, "\\$&")}✖ .*RegistryUnreachable`));
    expect(text).not.toMatch(/stopped at[^\n]*\n[^\n]*uploading/);
  });
});
