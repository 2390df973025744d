import { chmod, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { NativeSkopeoStrategy } from "../src/index.js";
import { failureOf, fakeSkopeo, tempDir } from "./support.js";

const strategy = (skopeoPath: string, tempDirectory: string, ttlMs = 30_000) =>
  new NativeSkopeoStrategy({ skopeoPath, tempDirectory, probeCacheTtl: { availableMs: ttlMs, unavailableMs: ttlMs } });

describe("NativeSkopeoStrategy.probe", () => {
  it("is available when skopeo --version names a supported release", async () => {
    const dir = await tempDir();
    const skopeo = await fakeSkopeo(dir, 'echo "skopeo version 1.9.3"');
    expect(await Effect.runPromise(strategy(skopeo, dir).version())).toMatchObject({ text: "1.9.3" });
  });

  it("says how to install skopeo when it is not on PATH, or not at the configured path", async () => {
    const dir = await tempDir();
    const onPath = await failureOf(strategy("skopeo-not-installed-here", dir).probe());
    expect(onPath).toMatchObject({ _tag: "StrategyUnavailable", strategy: "native" });
    expect(onPath.message).toContain("not installed (no skopeo-not-installed-here on PATH)");
    expect(onPath.message).toMatch(/apt-get install skopeo.*dnf install skopeo.*brew install skopeo/);
    const atPath = await failureOf(strategy(join(dir, "bin", "skopeo"), dir).probe());
    expect(atPath.message).toContain(`not found at ${join(dir, "bin", "skopeo")}`);
  });

  it("refuses a binary that is not executable, fails, prints no version or is too old", async () => {
    const dir = await tempDir();
    const plain = await fakeSkopeo(dir, 'echo "skopeo version 1.9.3"', "not-executable");
    await chmod(plain, 0o644);
    expect((await failureOf(strategy(plain, dir).probe())).message).toContain("not executable");
    const failing = await fakeSkopeo(dir, 'echo "broken install" >&2; exit 3', "failing");
    expect((await failureOf(strategy(failing, dir).probe())).message).toContain("exit code 3): broken install");
    const other = await fakeSkopeo(dir, 'echo "hello"', "other");
    expect((await failureOf(strategy(other, dir).probe())).message).toContain("printed no skopeo version");
    const old = await fakeSkopeo(dir, 'echo "skopeo version 1.2.0"', "old");
    expect((await failureOf(strategy(old, dir).probe())).message).toContain("skopeo 1.2.0 is older than 1.4.0");
  });

  it("refuses an unwritable temp directory", async () => {
    const dir = await tempDir();
    const skopeo = await fakeSkopeo(dir, 'echo "skopeo version 1.9.3"');
    const error = await failureOf(strategy(skopeo, join(dir, "missing")).probe());
    expect(error.message).toContain(`temp directory ${join(dir, "missing")} is not writable`);
  });

  it("reuses its answer, available or not, for probeCacheTtl", async () => {
    const dir = await tempDir();
    const calls = join(dir, "calls");
    const skopeo = await fakeSkopeo(dir, `echo x >> '${calls}'; echo "skopeo version 1.9.3"`);
    const cached = strategy(skopeo, dir);
    await Effect.runPromise(Effect.all([cached.probe(), cached.probe(), cached.probe()]));
    expect((await readFile(calls, "utf8")).trim().split("\n")).toHaveLength(1);
    const uncached = strategy(skopeo, dir, 0);
    await Effect.runPromise(Effect.all([uncached.probe(), uncached.probe()]));
    expect((await readFile(calls, "utf8")).trim().split("\n")).toHaveLength(3);

    const missing = join(dir, "later", "skopeo");
    const failing = strategy(missing, dir);
    await failureOf(failing.probe());
    await mkdir(join(dir, "later"));
    await fakeSkopeo(join(dir, "later"), 'echo "skopeo version 1.9.3"');
    expect((await failureOf(failing.probe()))._tag).toBe("StrategyUnavailable");
    await Effect.runPromise(strategy(missing, dir, 0).probe());
  });
});
