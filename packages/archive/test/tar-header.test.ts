import { describe, expect, it } from "vitest";
import { encodeHeaderBlock, paxRecord } from "@skopush/testkit/fixtures";
import { parseHeaderBlock, parseNumeric, parsePaxRecords } from "../src/tar-header.js";

const header = (block: Buffer) => {
  const parsed = parseHeaderBlock(block);
  if (parsed._tag !== "header") throw new Error(`expected a header, got ${parsed._tag}`);
  return parsed.header;
};

describe("parseNumeric", () => {
  it("reads octal with NUL or space terminators and leading spaces", () => {
    expect(parseNumeric(Buffer.from("00000001750\0"))).toBe(0o1750);
    expect(parseNumeric(Buffer.from("   1750 \0\0\0\0"))).toBe(0o1750);
    expect(parseNumeric(Buffer.from("\0\0\0\0"))).toBe(0);
  });

  it("reads GNU base-256 numbers, as sizes of 8 GiB and more are written", () => {
    const field = Buffer.alloc(12);
    field[0] = 0x80;
    field.writeUIntBE(9 * 2 ** 30, 6, 6);
    expect(parseNumeric(field)).toBe(9 * 2 ** 30);
  });

  it("refuses negative base-256, non-octal digits, and values beyond 2^53", () => {
    expect(parseNumeric(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(parseNumeric(Buffer.from("00000001798\0"))).toBeUndefined();
    const huge = Buffer.alloc(12, 0xff);
    huge[0] = 0x80;
    expect(parseNumeric(huge)).toBeUndefined();
  });
});

describe("parseHeaderBlock", () => {
  it("joins the ustar prefix and name", () => {
    const name = `${"d".repeat(120)}/file.bin`;
    const parsed = header(encodeHeaderBlock({ name, type: "file", size: 5 }));
    expect(parsed).toMatchObject({ name, kind: "file", size: 5, typeflag: "0" });
  });

  it("reads link names and types", () => {
    expect(header(encodeHeaderBlock({ name: "a/layer.tar", type: "symlink", size: 0, linkname: "../b/layer.tar" }))).toMatchObject({
      kind: "symlink",
      linkname: "../b/layer.tar",
    });
    expect(header(encodeHeaderBlock({ name: "x", type: "hardlink", size: 0, linkname: "y" })).kind).toBe("hardlink");
    expect(header(encodeHeaderBlock({ name: "d/", type: "directory", size: 0 })).kind).toBe("directory");
    expect(header(encodeHeaderBlock({ name: "PaxHeaders/x", type: "pax", size: 10 })).kind).toBe("pax");
  });

  it("ignores the prefix area of GNU headers, which old GNU tar used for times", () => {
    const block = encodeHeaderBlock({ name: "file", type: "file", size: 1, magic: "gnu" });
    block.write("garbage", 345, "latin1");
    // Recompute the checksum over the edited block.
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    expect(header(block).name).toBe("file");
  });

  it("reads a base-256 size", () => {
    expect(header(encodeHeaderBlock({ name: "big", type: "file", size: 12345, numbers: "base256" })).size).toBe(12345);
  });

  it("recognises the end-of-archive block", () => {
    expect(parseHeaderBlock(Buffer.alloc(512))._tag).toBe("end");
  });

  it("refuses a block whose checksum does not match", () => {
    const block = encodeHeaderBlock({ name: "file", type: "file", size: 1 });
    block[0] = "g".charCodeAt(0);
    expect(parseHeaderBlock(block)).toEqual({ _tag: "invalid", reason: "header checksum mismatch" });
  });

  it("accepts checksums computed over signed bytes, as some old tars wrote", () => {
    const block = encodeHeaderBlock({ name: "cafe", type: "file", size: 1 });
    block[3] = 0xe9;
    block.fill(0x20, 148, 156);
    let signed = 0;
    for (const byte of block) signed += byte > 127 ? byte - 256 : byte;
    block.write(`${signed.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    expect(parseHeaderBlock(block)._tag).toBe("header");
  });

  it("refuses a short block", () => {
    expect(parseHeaderBlock(Buffer.alloc(100, 1))._tag).toBe("invalid");
  });
});

describe("parsePaxRecords", () => {
  it("reads records, including multi-byte values", () => {
    const records = parsePaxRecords(Buffer.from(paxRecord("path", "dir/ünïcode name") + paxRecord("size", "123")));
    expect(records).toEqual(new Map([["path", "dir/ünïcode name"], ["size", "123"]]));
  });

  it("refuses records whose length is wrong", () => {
    expect(parsePaxRecords(Buffer.from("99 path=x\n"))).toBeTypeOf("string");
    expect(parsePaxRecords(Buffer.from("5 a=bcdef\n"))).toBeTypeOf("string");
    expect(parsePaxRecords(Buffer.from("nolength\n"))).toBeTypeOf("string");
  });
});
