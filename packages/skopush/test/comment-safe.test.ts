import { describe, expect, it } from "vitest";
// @ts-expect-error: a build script in plain JavaScript, without declarations
import { commentSafe } from "../scripts/comment-safe.mjs";

const run = (code: string): unknown => new Function(`${code}; return result;`)();

describe("commentSafe (the bundle carries its payload in a comment)", () => {
  it("respells every */ in a literal without changing what the code does", () => {
    const code = 'const end = /^\\s*=\\s*/i; const cls = /[*/]+/; const text = "a*/b"; const tpl = `c*/d`; const result = [end.test("  =  x"), "x*/y".replace(cls, "-"), text, tpl]';
    const safe = commentSafe(code);
    expect(safe).not.toContain("*/");
    expect(run(safe)).toEqual(run(code));
    expect(run(safe)).toEqual([true, "x-y", "a*/b", "c*/d"]);
  });

  it("leaves code without */ as it is", () => {
    expect(commentSafe("const result = 1 * 2 / 3")).toBe("const result = 1 * 2 / 3");
  });
});
