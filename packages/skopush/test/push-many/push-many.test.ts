import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { createDefaultContainer, PlanInvalid, pushMany, RegistryError, type PushManyProgress, type PushPlan, type PushRequest, type PushStrategy } from "skopush";

const DIGEST = `sha256:${"ab".repeat(32)}`;

/** Pushes after a short wait, reporting one skipped and one uploaded blob; fails for destinations containing "bad". */
class CountingStrategy implements PushStrategy {
  readonly name = "counting";
  running = 0;
  highest = 0;
  readonly seen: PushRequest[] = [];
  probe() {
    return Effect.void;
  }
  push(request: PushRequest, progress: (event: never) => void) {
    const self = this;
    return Effect.gen(function* () {
      self.seen.push(request);
      self.running += 1;
      self.highest = Math.max(self.highest, self.running);
      yield* Effect.sleep("20 millis");
      self.running -= 1;
      const send = progress as (event: object) => void;
      send({ percent: 50, phase: "uploading", message: "base", blob: { id: "base", kind: "layer", state: "skipped", bytesDone: 1 } });
      send({ percent: 90, phase: "uploading", message: "own", blob: { id: request.destination.toString(), kind: "layer", state: "done", bytesDone: 7 } });
      if (request.destination.repository.includes("bad")) return yield* Effect.fail(new RegistryError({ registry: request.destination.registry, status: 500, reason: "fake refusal" }));
      return { digest: DIGEST, bytesPushed: 7 };
    });
  }
}

const plan = (n: number, bad: ReadonlyArray<number> = []): PushPlan => ({
  items: Array.from({ length: n }, (_, i) => ({ archive: `/nowhere/${i}.tar`, destination: `reg.test/p/${bad.includes(i) ? "bad" : "img"}-${i}:1`, ...(i === 0 ? { platform: "linux/arm64", compression: "zstd" as const } : {}) })),
});

const containerWith = (strategy: PushStrategy) => createDefaultContainer({ order: [], extraStrategies: [strategy], credentialsProviders: false, verifyDeniedCredentials: false });

describe("pushMany", () => {
  it("pushes every item at most `concurrency` at a time, through one strategy instance, in plan order", async () => {
    const strategy = new CountingStrategy();
    const report = await pushMany(plan(7), { container: containerWith(strategy), concurrency: 2, compression: "gzip" });
    expect(strategy.highest).toBe(2);
    expect(strategy.seen).toHaveLength(7);
    expect(report.ok).toBe(true);
    expect(report.items.map((item) => item.destination)).toEqual(plan(7).items.map((item) => item.destination));
    expect(report.items[0]).toMatchObject({ status: "pushed", digest: DIGEST, bytesPushed: 7, skippedBlobs: 1, uploadedBlobs: 1, strategy: "counting" });
    expect(report.totals).toMatchObject({ items: 7, pushed: 7, failed: 0, bytesPushed: 49, skippedBlobs: 7, uploadedBlobs: 7 });
  });

  it("passes each item's own settings, the run's otherwise", async () => {
    const strategy = new CountingStrategy();
    await pushMany(plan(2), { container: containerWith(strategy), compression: "gzip" });
    const first = strategy.seen.find((request) => request.destination.repository === "p/img-0");
    const second = strategy.seen.find((request) => request.destination.repository === "p/img-1");
    expect(first).toMatchObject({ compression: "zstd", archive: { path: "/nowhere/0.tar", platform: "linux/arm64" } });
    expect(second).toMatchObject({ compression: "gzip", archive: { path: "/nowhere/1.tar" } });
  });

  it("reports a failed item and goes on with the others; ok is false", async () => {
    const done: string[] = [];
    const report = await pushMany(plan(4, [1]), { container: containerWith(new CountingStrategy()), onItemDone: (item) => done.push(item.destination) });
    expect(report.ok).toBe(false);
    expect(report.items[1]).toMatchObject({ status: "failed", error: "RegistryError", bytesPushed: 0, strategy: "counting" });
    expect(report.items[1]?.message).toContain("fake refusal");
    expect(report.totals).toMatchObject({ pushed: 3, failed: 1 });
    expect(done.toSorted()).toEqual(report.items.map((item) => item.destination).toSorted());
  });

  it("tags every progress event with its item", async () => {
    const events: PushManyProgress[] = [];
    await pushMany(plan(3), { container: containerWith(new CountingStrategy()), onProgress: (progress) => events.push(progress) });
    for (const [index, destination] of plan(3).items.map((item, i) => [i, item.destination] as const)) {
      const own = events.filter((progress) => progress.index === index);
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((progress) => progress.item.destination === destination)).toBe(true);
      expect(own.some((progress) => progress.event.blob?.id === destination)).toBe(true);
    }
  });

  it("refuses a concurrency that is not a whole number ≥ 1", async () => {
    await expect(pushMany(plan(1), { container: containerWith(new CountingStrategy()), concurrency: 0 })).rejects.toThrow(RangeError);
  });

  it("never hands fixed credentials to a registry of the plan other than one: refuses a plan spanning several", async () => {
    const strategy = new CountingStrategy();
    const spanning: PushPlan = { items: [{ archive: "/nowhere/a.tar", destination: "reg.test/p/a:1" }, { archive: "/nowhere/b.tar", destination: "other.test/p/b:1" }] };
    const error = await pushMany(spanning, { container: containerWith(strategy), credentials: { username: "robot", password: "s3cret" } }).then(
      () => undefined,
      (cause: unknown) => cause,
    );
    expect(error).toBeInstanceOf(PlanInvalid);
    expect((error as PlanInvalid).message).toContain("other.test");
    expect((error as PlanInvalid).message).not.toContain("s3cret");
    expect(strategy.seen.filter((request) => request.credentials !== undefined).map((request) => request.destination.registry)).toEqual([]);
    const single = await pushMany({ items: [spanning.items[0]!] }, { container: containerWith(strategy), credentials: { username: "robot", password: "s3cret" } });
    expect(single.ok).toBe(true);
    expect(strategy.seen.at(-1)?.credentials?.username).toBe("robot");
  });
});
