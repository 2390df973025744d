import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkSharedDirectory, trustedSharedDirectory, type SharedDirectoryVerdict } from "../src/index.js";

// As root (CI), "another user" is a directory chowned to a uid nobody here has; as anyone else, the same
// directory (ours) is checked on behalf of a caller with another uid. Both see "owned by someone else".
const OTHER_UID = 4242;
const asRoot = process.getuid?.() === 0;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "skopush-trust-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const shared = (hostPath: string) => ({ hostPath, containerPath: "/tmp/skopeo" });
const check = (hostPath: string, options: Parameters<typeof checkSharedDirectory>[1] = {}) => checkSharedDirectory(shared(hostPath), options);
const ownedByAnother = (path: string) => (asRoot ? (chownSync(path, OTHER_UID, OTHER_UID), {}) : { uid: OTHER_UID });
const refusal = (verdict: SharedDirectoryVerdict) => (verdict.state === "refused" ? `${verdict.reason} | ${verdict.fix}` : verdict.state);

describe("checkSharedDirectory", () => {
  it("creates a missing directory (and its parents) owned by the caller, mode 0700, and trusts it", async () => {
    const path = join(root, "a", "b", "share");
    const verdict = await check(path);
    expect(verdict).toMatchObject({ state: "trusted", created: true });
    const info = lstatSync(path);
    expect(info.isDirectory()).toBe(true);
    expect(info.mode & 0o777).toBe(0o700);
    expect(info.uid).toBe(process.getuid?.());
    expect(await check(path)).toMatchObject({ state: "trusted", created: false, ino: info.ino });
  });

  it("reports a missing directory without creating it when asked not to", async () => {
    expect(await check(join(root, "share"), { create: false })).toEqual({ state: "missing" });
    expect(() => lstatSync(join(root, "share"))).toThrow(/ENOENT/);
  });

  it("refuses a symbolic link, even to a good directory, and a regular file, saying how to fix it", async () => {
    mkdirSync(join(root, "real"), { mode: 0o700 });
    symlinkSync(join(root, "real"), join(root, "link"));
    const link = refusal(await check(join(root, "link")));
    expect(link).toContain(`the shared directory ${join(root, "link")} is a symbolic link`);
    expect(link).toContain("another user could swap the files of a push there");
    expect(link).toContain(`remove it (rm ${join(root, "link")}`);
    writeFileSync(join(root, "file"), "");
    expect(refusal(await check(join(root, "file")))).toContain("is not a directory (a regular file)");
  });

  it("refuses a directory owned by another user, naming the owner", async () => {
    const path = join(root, "share");
    mkdirSync(path, { mode: 0o755 });
    const text = refusal(await check(path, ownedByAnother(path)));
    expect(text).toMatch(new RegExp(`is owned by (user \\S+ \\()?uid ${asRoot ? OTHER_UID : process.getuid?.()}\\)?, not by you \\(uid ${asRoot ? 0 : OTHER_UID}\\) or root`));
    expect(text).toContain("SKOPEO_SHARED_DIR");
  });

  it.each([0o770, 0o707, 0o777, 0o1777])("refuses a directory writable by group or others (mode %o)", async (mode) => {
    const path = join(root, "share");
    mkdirSync(path);
    chmodSync(path, mode);
    const text = refusal(await check(path));
    expect(text).toContain(`is writable by ${mode & 0o002 ? "others" : "its group"} (mode ${mode.toString(8).padStart(4, "0")})`);
    expect(text).toContain(`chmod 700 ${path}`);
  });

  it("trusts a directory of the caller's (or root's, as the daemon creates a bind source) that nobody else may write", async () => {
    const path = join(root, "share");
    mkdirSync(path);
    chmodSync(path, 0o755);
    expect(await check(path)).toMatchObject({ state: "trusted", created: false });
  });

  it("refuses a directory under one another user could rearrange, and accepts one under a sticky /tmp-like parent", async () => {
    const open = join(root, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(refusal(await check(join(open, "share"))))
      .toContain(`cannot be trusted: the directory above it, ${open}, is writable by others (mode 0777) without the sticky bit`);
    const sticky = join(root, "sticky");
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    expect(await check(join(sticky, "share"))).toMatchObject({ state: "trusted", created: true });
    const theirs = join(root, "theirs");
    mkdirSync(theirs, { mode: 0o755 });
    const options = ownedByAnother(theirs);
    mkdirSync(join(theirs, "share"), { mode: 0o700 });
    if (!asRoot) chmodSync(theirs, 0o755);
    const text = refusal(await check(join(theirs, "share"), options));
    expect(text).toContain(asRoot ? `cannot be trusted: the directory above it, ${theirs}, is owned by uid ${OTHER_UID}` : "is owned by");
  });

  it("refuses a path through another user's symbolic link (she can re-point it), before creating anything; a link of the caller's is followed", async () => {
    mkdirSync(join(root, "real"), { mode: 0o755 });
    symlinkSync(join(root, "real"), join(root, "theirs"));
    symlinkSync("theirs", join(root, "mine"));
    const options = asRoot ? (lchownSync(join(root, "theirs"), OTHER_UID, OTHER_UID), {}) : { uid: OTHER_UID };
    if (asRoot) {
      expect(refusal(await check(join(root, "mine", "share"), options)))
        .toContain(`cannot be trusted: the path goes through the symbolic link ${join(root, "theirs")}, owned by uid ${OTHER_UID}, who can re-point it`);
    }
    const text = refusal(await check(join(root, "theirs", "share"), options));
    expect(text).toContain(`the path goes through the symbolic link ${join(root, "theirs")}`);
    expect(() => lstatSync(join(root, "real", "share"))).toThrow(/ENOENT/);
    if (asRoot) {
      lchownSync(join(root, "theirs"), 0, 0);
      expect(await check(join(root, "mine", "share"))).toMatchObject({ state: "trusted", created: true });
    }
  });

  it("trustedSharedDirectory fails with the refusal's reason and fix", async () => {
    writeFileSync(join(root, "file"), "");
    const exit = await Effect.runPromiseExit(trustedSharedDirectory(shared(join(root, "file"))));
    const error = Exit.isFailure(exit) ? (Cause.squash(exit.cause) as { reason: string; fix: string }) : undefined;
    expect(error?.reason).toContain("is not a directory");
    expect(error?.fix).toContain("remove it");
  });
});
