import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentOwner, ownedPrefix, ownerIsGone, ownerOf, reapDeadTempDirectories, type TempDirectoryOwner } from "../src/index.js";

/** The pid of a process that has ended. */
const deadPid = (): number => Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());

describe("temporary directories named after their owner", () => {
  it("carry this process's boot, pid namespace, pid and start time, and read back", () => {
    const me = currentOwner();
    expect(me.pid).toBe(process.pid);
    expect(me.boot).toMatch(/^[0-9a-f]{8}$/);
    expect(me.ns).toMatch(/^[0-9a-f]{8}$/);
    expect(me.start).toBeGreaterThan(0);
    const name = `${ownedPrefix("skopush-native-")}Ab12Cd`;
    expect(ownerOf(name, "skopush-native-")).toEqual(me);
    expect(ownerOf(name, "skopush-")).toBeUndefined();
    expect(ownerOf("skopush-share-Ab12Cd", "skopush-")).toBeUndefined();
    expect(ownerOf(`${name}x`, "skopush-native-")).toBeUndefined();
  });

  it("tell a live owner from a gone one: ended, pid reused, earlier boot; never one of another pid namespace", () => {
    const me = currentOwner();
    const other = (change: Partial<TempDirectoryOwner>): TempDirectoryOwner => ({ ...me, ...change });
    expect(ownerIsGone(me)).toBe(false);
    expect(ownerIsGone(other({ pid: deadPid() }))).toBe(true);
    expect(ownerIsGone(other({ start: me.start + 1 }))).toBe(true);
    expect(ownerIsGone(other({ pid: 1, start: 1 }))).toBe(true);
    const earlierBoot = other({ boot: me.boot === "00000000" ? "11111111" : "00000000" });
    expect(ownerIsGone(earlierBoot)).toBe(true);
    expect(ownerIsGone(earlierBoot, { sameBootOnly: true })).toBe(false);
    expect(ownerIsGone(other({ ns: me.ns === "00000000" ? "11111111" : "00000000", pid: deadPid() }))).toBe(false);
  });
});

describe("reapDeadTempDirectories", () => {
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), "skopush-reap-"));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  const named = (owner: TempDirectoryOwner, suffix = "Xy12Zw") => `${ownedPrefix("skopush-", owner)}${suffix}`;

  it("removes the directories of gone owners and only those", async () => {
    const me = currentOwner();
    const dead = { ...me, pid: deadPid() };
    const deadDir = join(parent, named(dead));
    mkdirSync(join(deadDir, "tmp"), { recursive: true });
    const liveDir = join(parent, named(me));
    mkdirSync(liveDir);
    const unrelated = join(parent, "skopush-share-Ab12Cd");
    mkdirSync(unrelated);
    // A link named like a dead workspace is never followed nor removed.
    const target = join(parent, "target");
    mkdirSync(target);
    symlinkSync(target, join(parent, named(dead, "Link12")));

    expect(await reapDeadTempDirectories(parent, "skopush-")).toEqual([deadDir]);
    expect(readdirSync(parent).sort()).toEqual([named(dead, "Link12"), named(me), "skopush-share-Ab12Cd", "target"].sort());
    expect(existsSync(target)).toBe(true);
  });

  // Only root can give a directory to another user (CI runs as root); anyone else reaps their own.
  it("leaves a gone owner's directory that belongs to another user", async () => {
    const asRoot = process.getuid?.() === 0;
    const dead = { ...currentOwner(), pid: deadPid() };
    const theirs = join(parent, named(dead));
    mkdirSync(theirs);
    if (asRoot) chownSync(theirs, 4242, 4242);
    expect(await reapDeadTempDirectories(parent, "skopush-")).toEqual(asRoot ? [] : [theirs]);
    expect(existsSync(theirs)).toBe(asRoot);
  });

  it("answers nothing for a directory it cannot read", async () => {
    expect(await reapDeadTempDirectories(join(parent, "missing"), "skopush-")).toEqual([]);
  });
});
