import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { descendantsOf, processLineage, startProcessSampler } from "@skopush/testkit/hardening";

// The sampler reads every process's argv and environment for a secret. A child between its fork and its
// exec shows its parent's (the flaky sighting of `node skopush.js push` in the CLI's secrets test): a
// subshell is such a copy that stays, so these tests do not depend on catching a microsecond window.

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** `sh -c script` with the secret in its environment, stdin kept open. */
const shell = (script: string, secret: string) => {
  const child = spawn("/bin/sh", ["-c", script], { env: { PATH: "/usr/bin:/bin", SKOPUSH_PASSWORD: secret }, stdio: ["pipe", "ignore", "ignore"] });
  children.push(child);
  return child;
};

/** Resolves with the first child of `pid` that `accept` takes. */
const childOf = async (pid: number, accept: (child: number) => boolean): Promise<number> => {
  for (let i = 0; i < 2000; i++) {
    const found = descendantsOf(pid).find((info) => accept(info.pid));
    if (found) return found.pid;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no matching child of ${pid} appeared`);
};

describe("startProcessSampler", () => {
  it("judges a child that has not exec'd yet as its parent: the allowed holder's copy is no sighting", async () => {
    const secret = `s3cret-${randomBytes(6).toString("hex")}`;
    // The subshell `( read line )` forks and never execs: /proc shows sh's argv and environment in it.
    const sh = shell("( read line ); :", secret);
    const copy = await childOf(sh.pid!, (pid) => processLineage(pid)?.forkedWithoutExec === true);
    const sampler = startProcessSampler({ secrets: [secret], allowed: (pid, where) => pid === sh.pid && where === "environ", roots: () => [sh.pid!], intervalMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const report = await sampler.stop();
    expect(report.descendants.map((child) => child.pid)).toContain(copy);
    expect(report.sightings).toEqual([]);
  });

  it("sees no secret in the children of an allowed node process that start with a clean environment", async () => {
    const secret = `s3cret-${randomBytes(6).toString("hex")}`;
    // 300 children, each searched for along a PATH of missing directories: a long fork-to-exec window.
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `const { spawn } = require("node:child_process");
         let left = 300;
         const next = () => left-- > 0 && spawn("true", [], { env: { PATH: "/nonexistent/a:/nonexistent/b:/nonexistent/c:/usr/bin:/bin" }, stdio: "ignore" }).on("close", next);
         for (let i = 0; i < 4; i++) next();`,
      ],
      { env: { PATH: "/usr/bin:/bin", SKOPUSH_PASSWORD: secret }, stdio: "ignore" },
    );
    children.push(parent);
    const sampler = startProcessSampler({ secrets: [secret], allowed: (pid, where) => pid === parent.pid && where === "environ", roots: () => [parent.pid!], intervalMs: 0 });
    await new Promise((resolve) => parent.on("close", resolve));
    const report = await sampler.stop();
    expect(report.descendants.length).toBeGreaterThan(0);
    expect(report.sightings).toEqual([]);
  });

  it("reports an exec'd child that was handed the secret in its environment", async () => {
    const secret = `s3cret-${randomBytes(6).toString("hex")}`;
    // `sleep` is exec'd with sh's exported environment: a real leak.
    const sh = shell("sleep 30; :", secret);
    const sleeper = await childOf(sh.pid!, (pid) => processLineage(pid)?.forkedWithoutExec === false);
    const sampler = startProcessSampler({ secrets: [secret], allowed: (pid, where) => pid === sh.pid && where === "environ", roots: () => [sh.pid!], intervalMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const report = await sampler.stop();
    expect(report.sightings.map((s) => [s.pid, s.where, s.command.trim()])).toEqual([[sleeper, "environ", "sleep 30"]]);
  });

  it("reports a secret in a child's argv even while the child is a copy of an allowed parent, when the parent is not allowed its argv", async () => {
    const secret = `s3cret-${randomBytes(6).toString("hex")}`;
    const sh = shell(`( read line ); : ${secret}`, "nothing");
    const copy = await childOf(sh.pid!, (pid) => processLineage(pid)?.forkedWithoutExec === true);
    const sampler = startProcessSampler({ secrets: [secret], allowed: (pid, where) => pid === sh.pid && where === "environ", roots: () => [sh.pid!], intervalMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const report = await sampler.stop();
    expect(report.sightings.map((s) => [s.pid, s.where]).sort()).toEqual([[copy, "cmdline"], [sh.pid, "cmdline"]].sort());
  });
});
