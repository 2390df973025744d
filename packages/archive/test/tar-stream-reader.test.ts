import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { encodeEntryHeaders, encodeHeaderBlock, type EntryHeaderOptions, type TarEntryType } from "@skopush/testkit/fixtures";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { readTarStream, type StreamedTarFile } from "../src/index.js";
import { archiveInvalid, failed, succeeded, useTempDirectory } from "./support.js";

const temp = useTempDirectory();

const pad = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);

/** One entry's headers, data and padding. */
const entry = (name: string, type: TarEntryType, data: Buffer | string = "", extra: { linkname?: string } & EntryHeaderOptions = {}): Buffer => {
  const bytes = Buffer.from(data);
  return Buffer.concat([encodeEntryHeaders({ name, type, size: bytes.length, linkname: extra.linkname }, extra), bytes, pad(bytes.length)]);
};

const END = Buffer.alloc(1024);

/** A tar of `entries`, sent in chunks of `chunk` bytes (small, so every read crosses chunk boundaries). */
const streamOf = (tar: Buffer, chunk = 300): Readable =>
  Readable.from(
    (function* () {
      for (let at = 0; at < tar.length; at += chunk) yield tar.subarray(at, at + chunk);
    })(),
  );

/** Every file's name, mode and content, all read. */
const readAll = (stream: AsyncIterable<Uint8Array>, maxFileBytes = 1024 * 1024) => {
  const files: Array<{ name: string; mode: number; content: string }> = [];
  return Effect.runPromiseExit(
    readTarStream(stream, { path: "container c:/ws", maxFileBytes }, (file) =>
      file.content.pipe(Effect.map((content) => void files.push({ name: file.name, mode: file.mode, content: content.toString() }))),
    ).pipe(Effect.as(files)),
  );
};

describe("readTarStream", () => {
  it("reads the regular files of a tar GNU tar wrote, long names and modes included, directories passed over", async () => {
    const root = temp("gnu");
    await mkdir(`${root}/ws/sub`, { recursive: true });
    await writeFile(`${root}/ws/digest`, "sha256:abc\n");
    await writeFile(`${root}/ws/sub/${"z".repeat(120)}`, "deep", { mode: 0o640 });
    for (const format of ["posix", "gnu"]) {
      const tar = execFileSync("tar", [`--format=${format}`, "-cf", "-", "-C", root, "ws"]);
      const files = succeeded(await readAll(streamOf(tar, 7)));
      expect(files.map((f) => [f.name, f.content]).sort()).toEqual([
        ["ws/digest", "sha256:abc\n"],
        [`ws/sub/${"z".repeat(120)}`, "deep"],
      ]);
      expect(files.find((f) => f.name.startsWith("ws/sub"))?.mode).toBe(0o640);
    }
  });

  it("skips a large file whose content is not asked for, and reads the next one", async () => {
    const big = 64 * 1024 * 1024 + 3;
    // The big file's bytes are generated as they are pulled: the tar as a whole is never in memory.
    const tar = Readable.from(
      (async function* () {
        yield encodeHeaderBlock({ name: "ws/archive.tar", type: "file", size: big });
        for (let left = big; left > 0; left -= 1024 * 1024) yield Buffer.alloc(Math.min(left, 1024 * 1024), 7);
        yield pad(big);
        yield entry("ws/digest", "file", "sha256:def\n");
        yield END;
      })(),
    );
    const seen: string[] = [];
    const digests: string[] = [];
    const exit = await Effect.runPromiseExit(
      readTarStream(tar, { path: "container c:/ws", maxFileBytes: 1024 }, (file: StreamedTarFile) => {
        seen.push(`${file.name} ${file.size}`);
        return file.name === "ws/digest" ? file.content.pipe(Effect.map((c) => void digests.push(c.toString()))) : Effect.void;
      }),
    );
    succeeded(exit);
    expect(seen).toEqual([`ws/archive.tar ${big}`, "ws/digest 11"]);
    expect(digests).toEqual(["sha256:def\n"]);
  });

  it("refuses the content of a file larger than maxFileBytes, and stops the stream", async () => {
    const stream = streamOf(Buffer.concat([entry("ws/big", "file", Buffer.alloc(2048, 1)), entry("ws/after", "file", "x"), END]));
    const error = archiveInvalid(await readAll(stream, 1024));
    expect(error.path).toBe("container c:/ws");
    expect(error.reason).toMatch(/entry "ws\/big" holds 2 KiB, more than the 1 KiB/);
    expect(stream.destroyed).toBe(true);
  });

  it.each([
    ["a symlink", entry("ws/link", "symlink", "", { linkname: "digest" }), /"ws\/link" is a symlink; only regular files and directories/],
    ["a hard link", entry("ws/hard", "hardlink", "", { linkname: "ws/digest" }), /"ws\/hard" is a hardlink; only regular files and directories/],
    ["a symlink leaving the tar", entry("ws/out", "symlink", "", { linkname: "../../etc/passwd" }), /symlink to "..\/..\/etc\/passwd", which escapes the archive/],
    ["an absolute path", entry("/etc/cron.d/x", "file", "boom"), /has an absolute path/],
    ["a .. component", entry("ws/../../x", "file", "boom"), /has a "\.\." path component/],
    ["a .. component in a PAX path", entry(`ws/${"d".repeat(120)}/../../../x`, "file", "boom", { longNames: "pax" }), /has a "\.\." path component/],
    ["a duplicate file", Buffer.concat([entry("ws/digest", "file", "a"), entry("ws/digest", "file", "b")]), /contains "ws\/digest" twice/],
  ])("refuses %s", async (_what, tar, reason) => {
    const written: string[] = [];
    const exit = await Effect.runPromiseExit(
      readTarStream(streamOf(Buffer.concat([tar, END])), { path: "container c:/ws", maxFileBytes: 1024 }, (file) =>
        file.content.pipe(Effect.map(() => void written.push(file.name))),
      ),
    );
    const error = archiveInvalid(exit);
    expect(error.reason).toMatch(reason);
    expect(error.fix).toMatch(/not written by docker or skopeo/);
    // A file before the refused entry may have been read; nothing at or after it was.
    expect(written.filter((name) => name !== "ws/digest" || !/twice/.test(error.reason))).toEqual([]);
  });

  it("fails on a stream cut inside a file's data, and on one that is not a tar", async () => {
    const cut = Buffer.concat([entry("ws/digest", "file", Buffer.alloc(1000, 1))]).subarray(0, 512 + 600);
    expect(archiveInvalid(await readAll(streamOf(cut))).reason).toMatch(/is truncated: entry "ws\/digest" needs 1000 bytes at offset 512/);
    expect(archiveInvalid(await readAll(streamOf(Buffer.alloc(1000, 0x41)))).reason).toMatch(/is not a tar stream \(header checksum mismatch/);
    expect(archiveInvalid(await readAll(streamOf(Buffer.alloc(0)))).reason).toMatch(/is an empty tar stream/);
  });

  it("tolerates a missing end-of-archive marker when every entry is complete", async () => {
    expect(succeeded(await readAll(streamOf(entry("ws/digest", "file", "d"))))).toEqual([{ name: "ws/digest", mode: 0o644, content: "d" }]);
  });

  it("fails with onFile's error and stops the stream", async () => {
    const stream = streamOf(Buffer.concat([entry("ws/a", "file", "a"), entry("ws/b", "file", "b"), END]));
    const exit = await Effect.runPromiseExit(readTarStream(stream, { path: "p", maxFileBytes: 10 }, (file) => Effect.fail(`no ${file.name}`)));
    expect(failed(exit)).toBe("no ws/a");
    expect(stream.destroyed).toBe(true);
  });

  it("keeps a stream's own error as the cause", async () => {
    const broken = new Readable({
      read() {
        this.destroy(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
      },
    });
    const error = archiveInvalid(await readAll(broken));
    expect(error.reason).toMatch(/could not be read while reading a tar header: socket hang up/);
    expect((error.cause as { code?: string }).code).toBe("ECONNRESET");
  });
});
