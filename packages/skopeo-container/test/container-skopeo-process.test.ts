import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findContainerSkopeo } from "../src/container-skopeo-process.js";

let proc: string;
const process = (pid: number, comm: string, argv: ReadonlyArray<string>) => {
  mkdirSync(join(proc, String(pid)));
  writeFileSync(join(proc, String(pid), "comm"), `${comm}\n`);
  writeFileSync(join(proc, String(pid), "cmdline"), `${argv.join("\0")}\0`);
};

beforeEach(() => {
  proc = mkdtempSync(join(tmpdir(), "skopush-fake-proc-"));
  mkdirSync(join(proc, "self"));
});
afterEach(() => rmSync(proc, { recursive: true, force: true }));

describe("findContainerSkopeo", () => {
  it("finds the skopeo whose command line holds the push's workspace", () => {
    process(10, "tail", ["tail", "-f", "/dev/null"]);
    process(20, "skopeo", ["skopeo", "copy", "docker-archive:/tmp/skopeo/skopush-other/archive.tar", "docker://h/p:1"]);
    process(30, "sh", ["sh", "-c", "wrapper", "skopush-run", "/tmp/skopeo/skopush-abc", "skopeo", "copy"]);
    process(40, "skopeo", ["skopeo", "copy", "--digestfile", "/tmp/skopeo/skopush-abc/digest", "docker-archive:/tmp/skopeo/skopush-abc/archive.tar", "docker://h/p:1"]);
    expect(findContainerSkopeo("/tmp/skopeo/skopush-abc", proc)).toBe(40);
  });

  it("answers undefined while it has not started, and where /proc cannot be read", () => {
    process(30, "sh", ["sh", "-c", "wrapper", "skopush-run", "/tmp/skopeo/skopush-abc", "skopeo", "copy"]);
    expect(findContainerSkopeo("/tmp/skopeo/skopush-abc", proc)).toBeUndefined();
    expect(findContainerSkopeo("/tmp/skopeo/skopush-abc", join(proc, "missing"))).toBeUndefined();
  });

  it("does not take a workspace whose name only starts like this one's", () => {
    process(50, "skopeo", ["skopeo", "copy", "docker-archive:/tmp/skopeo/skopush-abcdef/archive.tar"]);
    expect(findContainerSkopeo("/tmp/skopeo/skopush-abc", proc)).toBeUndefined();
  });
});
