import { execFileSync } from "node:child_process";
import { mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { loadPlan, parsePlan, parseShard, PlanInvalid, shardOf, type PushPlan } from "skopush";

const planFailure = (value: unknown) => Effect.runPromise(Effect.flip(parsePlan(value)));

describe("parsePlan", () => {
  it("takes a list or { items } and normalises destinations", async () => {
    const items = [{ archive: "a.tar", destination: "reg.test:5000/p/a:1", platform: "linux/arm64", compression: "zstd" }];
    const plan = await Effect.runPromise(parsePlan(items));
    expect(plan.items).toEqual(items);
    await expect(Effect.runPromise(parsePlan({ items }))).resolves.toEqual(plan);
  });

  it.each([
    [{ archive: "a.tar" }, 0, "destination", "is missing"],
    [{ destination: "reg.test/p/a:1" }, 0, "archive", "is missing"],
    [{ archive: "a.tar", destination: "Not A Ref" }, 0, "destination", "is not an image reference"],
    [{ archive: "a.tar", destination: "reg.test/p/a:1", platform: "arm64" }, 0, "platform", "is not os/architecture"],
    [{ archive: "a.tar", destination: "reg.test/p/a:1", compression: "brotli" }, 0, "compression", "is not a compression"],
    [{ archive: "a.tar", destination: "reg.test/p/a:1", manifestFormat: "v1" }, 0, "manifestFormat", "is not a manifest format"],
    [{ archive: "a.tar", destination: "reg.test/p/a:1", tag: "x" }, 0, "tag", "unknown field"],
    ["a.tar", 0, undefined, "is not an object"],
  ])("refuses %j naming item and field", async (item, index, field, reason) => {
    const error = await planFailure([item]);
    expect(error).toBeInstanceOf(PlanInvalid);
    expect(error).toMatchObject({ _tag: "PlanInvalid", item: index, field });
    expect(error.message).toContain(reason);
    expect(error.message).toContain(`item ${index}`);
  });

  it("refuses a destination given twice, naming both items", async () => {
    const error = await planFailure([
      { archive: "a.tar", destination: "reg.test/p/a:1" },
      { archive: "b.tar", destination: "reg.test/p/a:1" },
    ]);
    expect(error).toMatchObject({ item: 1, field: "destination" });
    expect(error.message).toContain("item 0's destination too");
  });

  it.each([
    ["reg.test:5000/p/a", "reg.test:5000/p/a:latest"],
    ["REG.test:5000/p/a:1", "reg.test:5000/p/a:1"],
    ["reg.test:05000/p/a:1", "reg.test:5000/p/a:1"],
  ])("refuses %s and %s: the same tag of the same registry", async (first, second) => {
    const error = await planFailure([
      { archive: "a.tar", destination: first },
      { archive: "b.tar", destination: second },
    ]);
    expect(error).toMatchObject({ item: 1, field: "destination" });
    expect(error.message).toContain("item 0's destination too");
  });

  it("refuses an empty plan and a value that is no plan", async () => {
    expect((await planFailure([])).reason).toBe("has no items");
    expect((await planFailure({ images: [] })).reason).toContain("neither a list");
  });
});

describe("loadPlan", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "skopush-plan-"));

  it("reads JSON and resolves archives against the plan's directory", async () => {
    const file = path.join(dir, "plan.json");
    writeFileSync(file, JSON.stringify([{ archive: "images/a.tar", destination: "reg.test/p/a:1" }]));
    const plan = await Effect.runPromise(loadPlan(file));
    expect(plan.items[0]?.archive).toBe(path.join(dir, "images/a.tar"));
  });

  it("says which file is not JSON, or cannot be read", async () => {
    const file = path.join(dir, "broken.json");
    writeFileSync(file, "[{");
    const broken = await Effect.runPromise(Effect.flip(loadPlan(file)));
    expect(broken).toMatchObject({ _tag: "PlanInvalid", source: file });
    expect(broken.reason).toContain("is not JSON");
    const missing = await Effect.runPromise(Effect.flip(loadPlan(path.join(dir, "absent.json"))));
    expect(missing.reason).toContain("ENOENT");
  });

  it("refuses a FIFO and a device at once instead of waiting for a writer or reading without end", async () => {
    const fifo = path.join(dir, "plan.fifo");
    execFileSync("mkfifo", [fifo]);
    for (const file of [fifo, "/dev/zero"]) {
      const error = await Effect.runPromise(Effect.flip(loadPlan(file)));
      expect(error).toMatchObject({ _tag: "PlanInvalid", source: file });
      expect(error.reason).toContain("not a regular file");
    }
  }, 10_000);

  it("refuses a plan over 16 MiB without reading it", async () => {
    const file = path.join(dir, "huge.json");
    writeFileSync(file, "");
    truncateSync(file, 64 * 1024 * 1024 * 1024);
    const error = await Effect.runPromise(Effect.flip(loadPlan(file)));
    expect(error.reason).toContain("larger than");
  }, 10_000);
});

describe("shardOf", () => {
  const plan: PushPlan = {
    items: Array.from({ length: 23 }, (_, i) => ({ archive: `${i}.tar`, destination: `reg.test/p/image-${(i * 7) % 23}:1` })),
  };

  it.each([1, 2, 3, 5, 8, 23, 40])("puts every item in exactly one of %i shards, sizes within one", (count) => {
    const shards = Array.from({ length: count }, (_, index) => shardOf(plan, index, count).items.map((item) => item.destination));
    const all = shards.flat();
    expect(all.toSorted()).toEqual(plan.items.map((item) => item.destination).toSorted());
    expect(new Set(all).size).toBe(plan.items.length);
    const sizes = shards.map((shard) => shard.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it("does not depend on the order the plan lists its items in", () => {
    const reversed: PushPlan = { items: [...plan.items].reverse() };
    for (let index = 0; index < 3; index++) expect(shardOf(reversed, index, 3)).toEqual(shardOf(plan, index, 3));
  });

  it("parses i/n and refuses the rest", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    for (const text of ["8/8", "1/0", "-1/3", "a/b", "1"]) expect(parseShard(text)).toBeInstanceOf(PlanInvalid);
    expect(() => shardOf(plan, 3, 3)).toThrow(RangeError);
  });
});
