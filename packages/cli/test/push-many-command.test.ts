import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RegistryError } from "@skopush/core";
import { FAKE_DIGEST, FakePushStrategy } from "@skopush/testkit";
import { run } from "@skopush/cli";
import { fakeContainers, testIo } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "skopush-cli-many-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const writePlan = (name: string, items: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(items));
  return file;
};
const items = Array.from({ length: 6 }, (_, i) => ({ archive: `app-${i}.tar`, destination: `registry.test:5000/demo/app-${i}:v1` }));
const plan = writePlan("plan.json", items);

describe("skopush push-many", () => {
  it("pushes every item, a line per item and a summary on stderr, exit 0", async () => {
    const native = FakePushStrategy.succeeding("native");
    const { createContainer } = fakeContainers({ native });
    const { io, stdout, stderr } = testIo();
    expect(await run(["push-many", plan, "--strategy", "native"], io, { createContainer })).toBe(0);
    expect(native.pushes.map((request) => request.destination.toString()).toSorted()).toEqual(items.map((item) => item.destination).toSorted());
    expect(native.pushes.every((request) => request.archive.path.startsWith(dir))).toBe(true);
    for (const item of items) expect(stderr.text).toMatch(new RegExp(`✔ \\[\\d/6\\] ${item.destination} `));
    expect(stderr.text).toContain("6 of 6 pushed");
    expect(stdout.text).toBe("");
  });

  it("--json prints the report; a failed item makes the exit 1", async () => {
    const bad = writePlan("bad.json", [...items.slice(0, 2), { archive: "x.tar", destination: "registry.test:5000/demo/refused:v1" }]);
    const { createContainer } = fakeContainers({ native: FakePushStrategy.succeeding("native") });
    const refusing = fakeContainers({ native: FakePushStrategy.failing("native", new RegistryError({ registry: "registry.test:5000", status: 500, reason: "fake refusal" })) });
    const ok = testIo();
    expect(await run(["push-many", bad, "--strategy", "native", "--json"], ok.io, { createContainer })).toBe(0);
    expect(JSON.parse(ok.stdout.text)).toMatchObject({ ok: true, totals: { items: 3, pushed: 3 }, items: [{ status: "pushed", digest: FAKE_DIGEST }, {}, {}] });
    const failed = testIo();
    expect(await run(["push-many", bad, "--strategy", "native", "--json"], failed.io, { createContainer: refusing.createContainer })).toBe(1);
    const report = JSON.parse(failed.stdout.text);
    expect(report).toMatchObject({ ok: false, totals: { failed: 3 } });
    expect(report.items[2]).toMatchObject({ status: "failed", error: "RegistryError", destination: "registry.test:5000/demo/refused:v1" });
  });

  it("--shard i/n pushes one part; the parts of n=3 cover the plan exactly once", async () => {
    const pushed: string[] = [];
    for (let index = 0; index < 3; index++) {
      const native = FakePushStrategy.succeeding("native");
      const { io } = testIo();
      expect(await run(["push-many", plan, "--strategy", "native", "--shard", `${index}/3`], io, { createContainer: fakeContainers({ native }).createContainer })).toBe(0);
      expect(native.pushes).toHaveLength(2);
      pushed.push(...native.pushes.map((request) => request.destination.toString()));
    }
    expect(pushed.toSorted()).toEqual(items.map((item) => item.destination).toSorted());
  });

  it.each([
    [["push-many"], "missing <plan>"],
    [["push-many", plan, "--shard", "3/3"], "is not i/n"],
    [["push-many", plan, "--concurrency", "0"], "--concurrency takes a whole number"],
    [["push-many", plan, "--password", "x"], "on the command line is not accepted"],
    [["push-many", join(dir, "absent.json")], "cannot be read (ENOENT)"],
    [["push-many", writePlan("dup.json", [items[0], items[0]])], "item 1 (destination)"],
  ])("%j: exit 2 before anything is pushed, saying %s", async (argv, reason) => {
    const native = FakePushStrategy.succeeding("native");
    const { io, stderr } = testIo();
    expect(await run(argv, io, { createContainer: fakeContainers({ native }).createContainer })).toBe(2);
    expect(stderr.text).toContain(reason);
    expect(stderr.text).not.toContain("x\n");
    expect(native.pushes).toEqual([]);
  });

  it("refuses --username for a plan spanning two registries", async () => {
    const two = writePlan("two.json", [items[0], { archive: "b.tar", destination: "other.test/demo/b:v1" }]);
    const { io, stderr } = testIo({ stdin: "pw" });
    expect(await run(["push-many", two, "-u", "ci", "--password-stdin"], io, { createContainer: fakeContainers().createContainer })).toBe(2);
    expect(stderr.text).toContain("--username applies to one registry");
  });

  it.each(["0/2", "1/2"])("refuses --username with --shard %s when the whole plan spans two registries, though the shard has one", async (shard) => {
    const two = writePlan("two-sharded.json", [items[0], { archive: "b.tar", destination: "other.test/demo/b:v1" }]);
    const native = FakePushStrategy.succeeding("native");
    const { io, stderr } = testIo({ stdin: "pw" });
    expect(await run(["push-many", two, "--shard", shard, "-u", "ci", "--password-stdin"], io, { createContainer: fakeContainers({ native }).createContainer })).toBe(2);
    expect(stderr.text).toContain("--username applies to one registry");
    expect(native.pushes).toEqual([]);
  });
});
