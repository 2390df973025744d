import { describe, expectTypeOf, it } from "vitest";
import type { PushErrorTag, SeedPushResult } from "skopush";

// Type-level tests: `tsc -p tsconfig.test.json` fails when the union loses its discriminant.
describe("SeedPushResult", () => {
  it("narrows on status: a success has a digest, a method and a strategy; an error has its tag", () => {
    const use = (result: SeedPushResult) => {
      if (result.status === "success") {
        expectTypeOf(result.digest).toEqualTypeOf<string>();
        expectTypeOf(result.strategy).toEqualTypeOf<string>();
        expectTypeOf(result.error).toEqualTypeOf<undefined>();
        const digest: string = result.digest;
        return digest;
      }
      expectTypeOf(result.error).toEqualTypeOf<PushErrorTag>();
      expectTypeOf(result.digest).toEqualTypeOf<undefined>();
      return result.error;
    };
    expectTypeOf(use).returns.toEqualTypeOf<string>();
  });

  it("does not promise a digest before narrowing", () => {
    const before = (result: SeedPushResult) => {
      // @ts-expect-error: an error result has no digest
      const digest: string = result.digest;
      return digest;
    };
    expectTypeOf(before).parameter(0).toEqualTypeOf<SeedPushResult>();
  });
});
