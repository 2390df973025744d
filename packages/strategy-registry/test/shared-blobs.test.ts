import { describe, expect, it } from "vitest";
import { SharedBlobs } from "../src/shared-blobs.js";

describe("SharedBlobs", () => {
  it("gives the first caller the claim and the others what it landed", async () => {
    const shared = new SharedBlobs();
    const first = shared.claim("r layer");
    const second = shared.claim("r layer");
    expect("settle" in first).toBe(true);
    expect("waitFor" in second).toBe(true);
    if (!("settle" in first) || !("waitFor" in second)) return;
    first.settle({ digest: "sha256:aa", size: 3, repository: "p/one" });
    await expect(second.waitFor).resolves.toEqual({ digest: "sha256:aa", size: 3, repository: "p/one" });
    expect("waitFor" in shared.claim("r layer")).toBe(true);
  });

  it("releases a failed claim, so the next caller claims it again", async () => {
    const shared = new SharedBlobs();
    const first = shared.claim("r layer");
    const waiting = shared.claim("r layer");
    if (!("settle" in first) || !("waitFor" in waiting)) throw new Error("the first claim was not the caller's");
    first.settle(undefined);
    await expect(waiting.waitFor).resolves.toBeUndefined();
    expect("settle" in shared.claim("r layer")).toBe(true);
  });

  it("keeps keys apart", () => {
    const shared = new SharedBlobs();
    expect("settle" in shared.claim("r a")).toBe(true);
    expect("settle" in shared.claim("r b")).toBe(true);
  });
});
