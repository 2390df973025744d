import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UPLOAD_SESSIONS_DIR, UploadJournal } from "../src/upload/upload-journal.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "skopush-journal-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const HOUR = 3600_000;
const saved = (startedAt: number) => ({ location: "https://127.0.0.1:5000/v2/a/blobs/uploads/u?_state=s", offset: 16 << 20, startedAt });

describe("UploadJournal", () => {
  it("keeps a session across instances (processes) in a 0600 file of a 0700 directory, and forgets it on drop", async () => {
    const key = UploadJournal.keyOf("127.0.0.1:5000", "a", "as-is sha256:1");
    await new UploadJournal(dir, HOUR).put(key, saved(Date.now()));
    expect((await stat(join(dir, UPLOAD_SESSIONS_DIR))).mode & 0o777).toBe(0o700);
    const [file] = await readdir(join(dir, UPLOAD_SESSIONS_DIR));
    expect((await stat(join(dir, UPLOAD_SESSIONS_DIR, file!))).mode & 0o777).toBe(0o600);
    const other = new UploadJournal(dir, HOUR);
    expect(await other.get(key)).toMatchObject({ offset: 16 << 20 });
    await other.drop(key);
    expect(await new UploadJournal(dir, HOUR).get(key)).toBeUndefined();
  });

  it("keys sessions by registry, repository and blob", () => {
    const a = UploadJournal.keyOf("r:1", "a", "b");
    expect(UploadJournal.keyOf("r:2", "a", "b")).not.toBe(a);
    expect(UploadJournal.keyOf("r:1", "c", "b")).not.toBe(a);
    expect(UploadJournal.keyOf("r:1", "a", "d")).not.toBe(a);
  });

  it("never resumes a session older than the limit, and sweeps it away", async () => {
    const key = UploadJournal.keyOf("r", "a", "b");
    await new UploadJournal(dir, HOUR).put(key, saved(Date.now() - 2 * HOUR));
    expect(await new UploadJournal(dir, HOUR).get(key)).toBeUndefined();
    await new UploadJournal(dir, HOUR).put(key, saved(Date.now() - 2 * HOUR));
    await new UploadJournal(dir, HOUR).sweep();
    expect(await readdir(join(dir, UPLOAD_SESSIONS_DIR))).toEqual([]);
  });

  it("ignores a session file others could have written, or a directory others can read", async () => {
    const key = UploadJournal.keyOf("r", "a", "b");
    const journal = new UploadJournal(dir, HOUR);
    await journal.put(key, saved(Date.now()));
    const file = join(dir, UPLOAD_SESSIONS_DIR, `${key}.json`);
    await chmod(file, 0o666);
    expect(await new UploadJournal(dir, HOUR).get(key)).toBeUndefined();
    await chmod(file, 0o600);
    await chmod(join(dir, UPLOAD_SESSIONS_DIR), 0o755);
    expect(await new UploadJournal(dir, HOUR).get(key)).toBeUndefined();
  });

  it("treats a malformed file as no session", async () => {
    const key = UploadJournal.keyOf("r", "a", "b");
    await mkdir(join(dir, UPLOAD_SESSIONS_DIR), { mode: 0o700 });
    await writeFile(join(dir, UPLOAD_SESSIONS_DIR, `${key}.json`), '{"location":1}', { mode: 0o600 });
    expect(await new UploadJournal(dir, HOUR).get(key)).toBeUndefined();
  });

  it("without a directory remembers sessions in memory only", async () => {
    const journal = new UploadJournal(false, HOUR);
    await journal.put("k", saved(Date.now()));
    expect(await journal.get("k")).toMatchObject({ offset: 16 << 20 });
    expect(await new UploadJournal(false, HOUR).get("k")).toBeUndefined();
  });
});

describe("UploadJournal.sweep on a sessions directory that is not the journal's", () => {
  it("never removes anything through a symbolic link in place of the sessions directory", async () => {
    // A private directory elsewhere (think ~/.ssh): files of this user's, 0600, not session JSON.
    const elsewhere = join(dir, "elsewhere");
    await mkdir(elsewhere, { mode: 0o700 });
    await writeFile(join(elsewhere, "id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\n", { mode: 0o600 });
    await writeFile(join(elsewhere, "old.json"), JSON.stringify(saved(Date.now() - 2 * HOUR)), { mode: 0o600 });
    await symlink(elsewhere, join(dir, UPLOAD_SESSIONS_DIR));
    await new UploadJournal(dir, HOUR).sweep();
    expect((await readdir(elsewhere)).sort()).toEqual(["id_ed25519", "old.json"]);
  });

  it("leaves a huge file unread (a session file is a few hundred bytes)", async () => {
    await mkdir(join(dir, UPLOAD_SESSIONS_DIR), { mode: 0o700 });
    const huge = join(dir, UPLOAD_SESSIONS_DIR, `${"a".repeat(64)}.json`);
    // Sparse: 1 GiB on the books, nothing on the disk. Reading it would cost a GiB of memory.
    await writeFile(huge, "", { mode: 0o600 });
    await truncate(huge, 1 << 30);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      await new UploadJournal(dir, HOUR).sweep();
    } finally {
      clearInterval(sampler);
    }
    expect(peak - before).toBeLessThan(256 << 20);
  });
});
