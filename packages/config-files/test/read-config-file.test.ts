import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readConfigFile, readConfigFileSync, type ConfigFileRead } from "../src/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skopush-config-files-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const both = async (path: string, maxBytes = 1024): Promise<[ConfigFileRead, ConfigFileRead]> => [
  await readConfigFile(path, { maxBytes }),
  readConfigFileSync(path, { maxBytes }),
];
const text = (read: ConfigFileRead) => (read.state === "read" ? read.bytes.toString("utf8") : read);

describe("readConfigFile", () => {
  it("reads a regular file, through a link, whole", async () => {
    writeFileSync(join(dir, "config.json"), '{"auths":{}}');
    symlinkSync(join(dir, "config.json"), join(dir, "link.json"));
    for (const read of [...(await both(join(dir, "config.json"))), ...(await both(join(dir, "link.json")))]) expect(text(read)).toBe('{"auths":{}}');
    writeFileSync(join(dir, "empty"), "");
    expect((await both(join(dir, "empty"))).map(text)).toEqual(["", ""]);
  });

  it("answers missing for a missing file or directory on the way", async () => {
    expect(await both(join(dir, "nope"))).toEqual([{ state: "missing" }, { state: "missing" }]);
    writeFileSync(join(dir, "file"), "x");
    expect(await both(join(dir, "file", "below"))).toEqual([{ state: "missing" }, { state: "missing" }]);
  });

  it("refuses a named pipe at once, without a writer (where open(2) would block forever)", async () => {
    const fifo = join(dir, "auth.json");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    for (const read of await both(fifo)) expect(read).toEqual({ state: "refused", code: "NOT_REGULAR", reason: "is not a regular file: it is a named pipe (FIFO)" });
  });

  it("refuses a directory and a character device", async () => {
    mkdirSync(join(dir, "config.json"));
    for (const read of await both(join(dir, "config.json"))) expect(read).toMatchObject({ state: "refused", reason: "is not a regular file: it is a directory" });
    for (const read of await both("/dev/zero")) expect(read).toMatchObject({ state: "refused", reason: "is not a regular file: it is a character device" });
  });

  it("refuses a file larger than the limit without reading it", async () => {
    const big = join(dir, "config.json");
    writeFileSync(big, "");
    truncateSync(big, 184 << 20); // sparse: 184 MiB that take no room
    for (const read of await both(big, 1 << 20)) expect(read).toEqual({ state: "refused", code: "TOO_LARGE", reason: "is 184.0 MiB, more than the 1.0 MiB such a file may hold" });
    writeFileSync(join(dir, "exact"), "x".repeat(1024));
    expect((await both(join(dir, "exact"), 1024)).map((read) => read.state)).toEqual(["read", "read"]);
    writeFileSync(join(dir, "over"), "x".repeat(1025));
    expect((await both(join(dir, "over"), 1024)).map((read) => read.state === "refused" && read.code)).toEqual(["TOO_LARGE", "TOO_LARGE"]);
  });
});
