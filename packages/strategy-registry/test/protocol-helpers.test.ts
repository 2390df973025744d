import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { uploadLocation, withDigest } from "../src/upload/upload-location.js";
import { chunksOf } from "../src/upload/upload-session.js";

describe("upload locations", () => {
  const answered = (location: string, url = "https://r.example.com/v2/p/app/blobs/uploads/") => ({
    headers: { location },
    url: new URL(url),
  });

  it("resolves a relative Location against the URL that answered and keeps every query parameter", () => {
    const url = uploadLocation(answered("/v2/p/app/blobs/uploads/uuid-1?_state=abc%2Bdef%3D&x=1"));
    expect(url?.href).toBe("https://r.example.com/v2/p/app/blobs/uploads/uuid-1?_state=abc%2Bdef%3D&x=1");
    expect(uploadLocation(answered("https://other.example.com:5000/upload/9?sig=1"))?.href).toBe("https://other.example.com:5000/upload/9?sig=1");
    expect(uploadLocation({ headers: {}, url: new URL("https://r/") })).toBeUndefined();
  });

  it("appends digest, never replacing what the registry put there", () => {
    const closed = withDigest(new URL("https://r/v2/p/blobs/uploads/u?_state=s1&digest=keep"), "sha256:abc");
    expect(closed.searchParams.getAll("digest")).toEqual(["keep", "sha256:abc"]);
    expect(closed.searchParams.get("_state")).toBe("s1");
  });
});

describe("chunksOf", () => {
  it("cuts a stream into chunks of exactly the size, the last one shorter", async () => {
    const source = Readable.from([Buffer.alloc(5, 1), Buffer.alloc(12, 2), Buffer.alloc(1, 3), Buffer.alloc(0)]);
    const chunks: Buffer[] = [];
    for await (const chunk of chunksOf(source, 7)) chunks.push(chunk);
    expect(chunks.map((c) => c.length)).toEqual([7, 7, 4]);
    expect(Buffer.concat(chunks)).toEqual(Buffer.concat([Buffer.alloc(5, 1), Buffer.alloc(12, 2), Buffer.alloc(1, 3)]));
  });
});
