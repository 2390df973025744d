import "reflect-metadata";
import { container } from "tsyringe";
import { describe, expect, it } from "vitest";
import { registerStrategy, resolvePusher } from "skopush";
import { FAKE_DIGEST, FakePushStrategy } from "@skopush/testkit";

describe("the app's chain with the testkit's fakes", () => {
  it("falls past an unavailable fake to one that pushes", async () => {
    const c = container.createChildContainer();
    const pushing = FakePushStrategy.succeeding("second");
    registerStrategy(c, FakePushStrategy.unavailable("first", "not here"));
    registerStrategy(c, pushing);
    const result = await resolvePusher(c).push({ archive: "/nowhere/app.tar", destination: "registry.test/app/web:1" });
    expect(result).toMatchObject({ status: "success", digest: FAKE_DIGEST, method: "second" });
    expect(pushing.pushes).toHaveLength(1);
  });
});
