import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { encodeHeaderBlock, paxRecord, TarWriter } from "@skopush/testkit/fixtures";
import { Effect } from "effect";
import { resolveInTar } from "../src/tar-files.js";
import { indexTar, type TarIndex } from "../src/tar-index.js";
import { archiveInvalid, succeeded, useTempDirectory } from "./support.js";

const temp = useTempDirectory();
let counter = 0;

const tarWith = async (build: (writer: TarWriter) => Promise<void>, finish = true): Promise<string> => {
  const path = temp(`tar-${counter++}.tar`);
  const writer = await TarWriter.create(path);
  await build(writer);
  if (finish) await writer.finish();
  else await writer.close();
  return path;
};

const index = (path: string) => Effect.runPromiseExit(indexTar({ file: path, path, what: "the file" }));

const dataOf = async (path: string, tar: TarIndex, name: string): Promise<string> => {
  const entry = tar.entries.get(name);
  if (!entry) throw new Error(`no entry ${name}`);
  const bytes = await readFile(path);
  return bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size).toString();
};

describe("indexTar", () => {
  it("indexes files by normalised name with their data offsets, skipping the root entry", async () => {
    const path = await tarWith(async (w) => {
      await w.addDirectory("./");
      await w.addDirectory("./dir");
      await w.addFile("./dir//a.txt", "hello");
      await w.addFile("b.txt", "world!");
    });
    const tar = succeeded(await index(path));
    expect([...tar.entries.keys()]).toEqual(["dir", "dir/a.txt", "b.txt"]);
    expect(tar.entries.get("dir/a.txt")).toMatchObject({ kind: "file", size: 5 });
    expect(await dataOf(path, tar, "dir/a.txt")).toBe("hello");
    expect(await dataOf(path, tar, "b.txt")).toBe("world!");
  });

  it("reads long names from the ustar prefix, PAX headers and GNU long-name headers", async () => {
    const long = `${"deep/".repeat(40)}file.txt`;
    const path = await tarWith(async (w) => {
      await w.addFile(`${"p".repeat(150)}/name.txt`, "prefix");
      await w.addFile(long, "pax", { longNames: "pax" });
      await w.addFile(`${long}.gnu`, "gnu", { longNames: "gnu" });
      await w.addFile("ünïcode.txt", "utf8");
    });
    const tar = succeeded(await index(path));
    expect(await dataOf(path, tar, `${"p".repeat(150)}/name.txt`)).toBe("prefix");
    expect(await dataOf(path, tar, long)).toBe("pax");
    expect(await dataOf(path, tar, `${long}.gnu`)).toBe("gnu");
    expect(await dataOf(path, tar, "ünïcode.txt")).toBe("utf8");
  });

  it("reads long link targets from PAX and GNU headers", async () => {
    const target = `../${"t".repeat(120)}/layer.tar`;
    const path = await tarWith(async (w) => {
      await w.addSymlink("a/pax", target, { longNames: "pax" });
      await w.addSymlink("a/gnu", target, { longNames: "gnu" });
    });
    const tar = succeeded(await index(path));
    expect(tar.entries.get("a/pax")?.linkTarget).toBe(target);
    expect(tar.entries.get("a/gnu")?.linkTarget).toBe(target);
  });

  it("reads base-256 sizes", async () => {
    const path = await tarWith(async (w) => w.addFile("big.bin", "0123456789", { numbers: "base256" }));
    const tar = succeeded(await index(path));
    expect(await dataOf(path, tar, "big.bin")).toBe("0123456789");
  });

  it("applies a PAX size to the next entry and accepts global headers (git archive writes one)", async () => {
    const path = await tarWith(async (w) => {
      const global = Buffer.from(paxRecord("comment", "0123abcd"));
      await w.writeRaw(encodeHeaderBlock({ name: "pax_global_header", type: "pax-global", size: global.length }));
      await w.writeRaw(Buffer.concat([global, Buffer.alloc(512 - global.length)]));
      const local = Buffer.from(paxRecord("size", "7"));
      await w.writeRaw(encodeHeaderBlock({ name: "PaxHeaders/sized", type: "pax", size: local.length }));
      await w.writeRaw(Buffer.concat([local, Buffer.alloc(512 - local.length)]));
      await w.writeRaw(encodeHeaderBlock({ name: "sized.txt", type: "file", size: 0 }));
      await w.writeRaw(Buffer.concat([Buffer.from("7 bytes"), Buffer.alloc(505)]));
      await w.addFile("after.txt", "next");
    });
    const tar = succeeded(await index(path));
    expect(await dataOf(path, tar, "sized.txt")).toBe("7 bytes");
    expect(await dataOf(path, tar, "after.txt")).toBe("next");
  });

  it("tolerates a missing end-of-archive marker when every entry is complete", async () => {
    const path = await tarWith(async (w) => w.addFile("a.txt", "complete"), false);
    const tar = succeeded(await index(path));
    expect(await dataOf(path, tar, "a.txt")).toBe("complete");
  });

  it("reports an entry whose data runs past the end as truncated", async () => {
    const path = await tarWith(async (w) => {
      await w.addFile("a.txt", "fine");
      await w.writeRaw(encodeHeaderBlock({ name: "b.bin", type: "file", size: 4096 }));
      await w.writeRaw(Buffer.alloc(1000, 7));
    }, false);
    const error = archiveInvalid(await index(path));
    expect(error.reason).toMatch(/is truncated: entry "b.bin" needs 4 KiB at offset 1536, but the file ends at 2536/);
  });

  it("reports a file ending inside a header as truncated", async () => {
    const path = await tarWith(async (w) => {
      await w.addFile("a.txt", "fine");
      await w.writeRaw(encodeHeaderBlock({ name: "b.bin", type: "file", size: 1 }).subarray(0, 200));
    }, false);
    expect(archiveInvalid(await index(path)).reason).toMatch(/truncated: it ends inside the tar header at offset 1024/);
  });

  it("calls a text file shorter than one tar header not a tar archive, not a truncated one", async () => {
    const text = temp("text");
    await writeFile(text, "this is not an image\n");
    expect(archiveInvalid(await index(text)).reason).toBe("the file is not a tar archive (21 bytes, shorter than one tar header)");
  });

  it("tells a non-tar file from a corrupt tar", async () => {
    const notTar = temp("not-a-tar");
    await writeFile(notTar, Buffer.alloc(2048, 0x41));
    expect(archiveInvalid(await index(notTar)).reason).toBe("the file is not a tar archive (header checksum mismatch at offset 0)");
    const corrupt = await tarWith(async (w) => {
      await w.addFile("a.txt", "fine");
      await w.writeRaw(Buffer.alloc(512, 0x41));
    });
    expect(archiveInvalid(await index(corrupt)).reason).toBe("has a corrupt tar header at offset 1024 (header checksum mismatch)");
  });

  it("refuses empty files and tars without entries", async () => {
    const empty = temp("empty.tar");
    await writeFile(empty, "");
    expect(archiveInvalid(await index(empty)).reason).toBe("the file is empty");
    const noEntries = await tarWith(async () => {});
    expect(archiveInvalid(await index(noEntries)).reason).toBe("the file is an empty tar archive (no entries)");
  });

  it("refuses absolute paths and .. components, also when they come from PAX or GNU headers", async () => {
    for (const [name, options] of [
      ["/etc/passwd", {}],
      ["a/../../b", {}],
      [`${"x".repeat(200)}/../../../escape`, { longNames: "pax" as const }],
      [`/${"y".repeat(200)}`, { longNames: "gnu" as const }],
    ] as const) {
      const path = await tarWith(async (w) => w.addFile(name, "x", options));
      expect(archiveInvalid(await index(path)).reason).toMatch(/absolute path|path traversal/);
    }
  });

  it("refuses links whose targets leave the archive", async () => {
    const symlink = await tarWith(async (w) => w.addSymlink("a/b/link", "../../../etc/shadow"));
    expect(archiveInvalid(await index(symlink)).reason).toBe('entry "a/b/link" is a symlink to "../../../etc/shadow", which escapes the archive');
    const absolute = await tarWith(async (w) => w.addSymlink("link", "/etc/shadow"));
    expect(archiveInvalid(await index(absolute)).reason).toMatch(/escapes the archive/);
    const hardlink = await tarWith(async (w) => w.addHardlink("link", "../outside"));
    expect(archiveInvalid(await index(hardlink)).reason).toBe('entry "link" is a hard link to "../outside", which escapes the archive');
  });

  it("refuses a file that appears twice, but not a repeated directory", async () => {
    const dirs = await tarWith(async (w) => {
      await w.addDirectory("blobs");
      await w.addDirectory("blobs/");
    });
    succeeded(await index(dirs));
    const files = await tarWith(async (w) => {
      await w.addFile("manifest.json", "[]");
      await w.addFile("./manifest.json", "[1]");
    });
    expect(archiveInvalid(await index(files)).reason).toMatch(/contains "manifest.json" twice/);
  });

  it("refuses an oversized extension header", async () => {
    const path = await tarWith(async (w) => {
      await w.writeRaw(encodeHeaderBlock({ name: "PaxHeaders/x", type: "pax", size: 2 << 20 }));
      await w.writeRaw(Buffer.alloc(2 << 20));
      await w.addFile("x", "x");
    });
    expect(archiveInvalid(await index(path)).reason).toMatch(/2 MiB tar extension header at offset 0, more than the 1 MiB/);
  });

  it("refuses a malformed PAX header", async () => {
    const path = await tarWith(async (w) => {
      const bad = Buffer.from("30 path=too short\n");
      await w.writeRaw(encodeHeaderBlock({ name: "PaxHeaders/x", type: "pax", size: bad.length }));
      await w.writeRaw(Buffer.concat([bad, Buffer.alloc(512 - bad.length)]));
      await w.addFile("x", "x");
    });
    expect(archiveInvalid(await index(path)).reason).toMatch(/malformed PAX header at offset 0/);
  });

  it("reports a missing file as not existing", async () => {
    expect(archiveInvalid(await index(temp("nope.tar"))).reason).toBe("does not exist");
  });
});

describe("resolveInTar", () => {
  const resolve = async (build: (w: TarWriter) => Promise<void>, name: string) => {
    const path = await tarWith(build);
    return resolveInTar(succeeded(await index(path)).entries, name);
  };

  it("follows docker save's relative symlinks between layer directories", async () => {
    const result = await resolve(async (w) => {
      await w.addFile("one/layer.tar", "layer");
      await w.addSymlink("two/layer.tar", "../one/layer.tar");
    }, "two/layer.tar");
    expect(result).toMatchObject({ _tag: "found", entry: { name: "one/layer.tar", size: 5 } });
  });

  it("follows hard links, relative to the root", async () => {
    const result = await resolve(async (w) => {
      await w.addFile("one/layer.tar", "layer");
      await w.addHardlink("two/layer.tar", "one/layer.tar");
    }, "two/layer.tar");
    expect(result).toMatchObject({ _tag: "found", entry: { name: "one/layer.tar" } });
  });

  it("follows symlinked directories in the middle of a path", async () => {
    const result = await resolve(async (w) => {
      await w.addFile("real/dir/file", "x");
      await w.addSymlink("alias", "real/dir");
    }, "alias/file");
    expect(result).toMatchObject({ _tag: "found", entry: { name: "real/dir/file" } });
  });

  it("refuses a chain of links that climbs above the root, though each link alone looks harmless", async () => {
    const result = await resolve(async (w) => {
      await w.addSymlink("a/b", "..");
      await w.addSymlink("x", "a/b/../etc");
    }, "x/passwd");
    expect(result).toEqual({ _tag: "refused", reason: 'following links from "x/passwd" leaves the archive (it escapes the root)' });
  });

  it("refuses link loops", async () => {
    const result = await resolve(async (w) => {
      await w.addSymlink("a/layer.tar", "../b/layer.tar");
      await w.addSymlink("b/layer.tar", "../a/layer.tar");
    }, "a/layer.tar");
    expect(result).toEqual({ _tag: "refused", reason: 'following links from "a/layer.tar" loops (more than 40 links)' });
  });

  it("tells missing names and non-files apart", async () => {
    expect(await resolve(async (w) => w.addFile("a", "x"), "b")).toEqual({ _tag: "missing" });
    expect(await resolve(async (w) => w.addDirectory("d"), "d")).toEqual({ _tag: "refused", reason: '"d" is a directory, not a regular file' });
  });
});
