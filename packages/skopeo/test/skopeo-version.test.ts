import { describe, expect, it } from "vitest";
import { isAtLeast, MINIMUM_SKOPEO_VERSION, parseSkopeoVersion } from "../src/index.js";

describe("parseSkopeoVersion", () => {
  it("reads the forms skopeo prints", () => {
    expect(parseSkopeoVersion("skopeo version 1.9.3\n")).toEqual({ major: 1, minor: 9, patch: 3, text: "1.9.3" });
    expect(parseSkopeoVersion("skopeo version 1.14.2 commit: 2d6f6fa7")).toMatchObject({ major: 1, minor: 14, patch: 2 });
    expect(parseSkopeoVersion("skopeo version 1.2")).toMatchObject({ text: "1.2.0" });
    expect(parseSkopeoVersion("podman version 4.3.1")).toBeUndefined();
    expect(parseSkopeoVersion("")).toBeUndefined();
  });

  it("compares against the minimum", () => {
    const v = (text: string) => parseSkopeoVersion(`skopeo version ${text}`) ?? MINIMUM_SKOPEO_VERSION;
    expect(isAtLeast(v("1.9.3"))).toBe(true);
    expect(isAtLeast(v("1.4.0"))).toBe(true);
    expect(isAtLeast(v("1.3.9"))).toBe(false);
    expect(isAtLeast(v("0.2.0"))).toBe(false);
    expect(isAtLeast(v("2.0.0"))).toBe(true);
    expect(isAtLeast(v("1.10.0"), v("1.9.9"))).toBe(true);
  });
});
