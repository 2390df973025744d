import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entriesOf } from "@skopush/testkit/hardening";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { CLI_BIN, runCli, waitUntil } from "../spawn-cli.js";
import { ciEnv, freshDir, throttledBasicRegistry, uniqueRepository, useCliTestBed } from "./support.js";

// Red team of issue 13.4: `kill -9 -<pgid>` of a native push takes its watchdog with it, and the authfile
// waits for "the next run". But only the next *native* push reaped it: the next run through another
// strategy, or a `skopush service` command, left the killed push's auth.json in the temp directory.

const bed = useCliTestBed("killed-group", { proxy: (environment) => throttledBasicRegistry(environment, 1 << 20) });

const authFilesIn = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((entry) => entry.endsWith("auth.json"));

const NEXT_RUNS = [
  { label: "a push through the registry strategy", next: "registry" },
  { label: "skopush service status", next: "service" },
] as const;

describe.each(NEXT_RUNS)("a native push killed with its process group, then $label", ({ next }) => {
  it("the next run removes the killed push's workspace and authfile", { timeout: 120_000 }, async () => {
    const basic = bed.environment.registry("basic");
    const { username, password } = basic.credentials!;
    const tmp = await freshDir(bed.work.dir, "tmp");
    const env = ciEnv(await freshDir(bed.work.dir, "home"), tmp);
    const repository = uniqueRepository(`killed-group-${next}`);
    const image = await writeImageArchive(join(bed.work.dir, `${randomBytes(4).toString("hex")}.tar`), {
      format: "docker-legacy",
      layers: 2,
      layerSize: 4 << 20,
      compressibility: "random",
      seed: repository,
    });
    // Its own process group (as a shell job, a CI step or a service is), killed all at once.
    const child = spawn(
      process.execPath,
      [CLI_BIN, "push", image.path, `${bed.proxy.host}/${repository}:v1`, "--ca-cert", basic.caFile!, "-u", username, "--password-stdin", "--strategy", "native"],
      { env, stdio: ["pipe", "ignore", "ignore"], detached: true },
    );
    child.stdin.end(password);
    const ended = new Promise((resolve) => child.on("close", resolve));
    await waitUntil(() => authFilesIn(tmp).length > 0, "the native push's authfile");
    process.kill(-child.pid!, "SIGKILL");
    await ended;
    expect(authFilesIn(tmp)).toHaveLength(1); // the watchdog died with the group: the next run must reap it

    if (next === "registry") {
      const small = await writeImageArchive(join(bed.work.dir, `next-${randomBytes(4).toString("hex")}.tar`), { format: "docker-legacy", layers: 1, layerSize: 32 << 10, seed: `${repository}-next` });
      const run = await runCli(
        ["push", small.path, `${basic.host}/${repository}-next:v1`, "--ca-cert", basic.caFile!, "-u", username, "--password-stdin", "--strategy", "registry"],
        { env, stdin: password },
      );
      expect(run.code, run.stderr).toBe(0);
    } else {
      await runCli(["service", "status", "--name", `skopush-absent-${randomBytes(4).toString("hex")}`], { env });
    }
    expect(entriesOf(tmp)).toEqual([]);
  });
});
