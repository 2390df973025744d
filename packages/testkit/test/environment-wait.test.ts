import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotReady, TestEnvironmentError } from "../src/environment/errors.js";
import { withStateLock } from "../src/environment/lock.js";
import { pollUntilReady } from "../src/environment/wait.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skopush-wait-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const timeout = (last: NotReady) => new TestEnvironmentError({ step: "test", reason: `gave up: ${last.reason}` });

describe("pollUntilReady", () => {
  it("polls a not-ready probe until it succeeds", async () => {
    let calls = 0;
    const probe = Effect.suspend(() => (++calls < 3 ? Effect.fail(new NotReady({ reason: `call ${calls}` })) : Effect.succeed(calls)));
    expect(await Effect.runPromise(pollUntilReady(probe, { intervalMs: 1, withinMs: 5_000 }, timeout))).toBe(3);
  });

  it("gives up after the time limit with the last reason", async () => {
    const probe = Effect.fail(new NotReady({ reason: "still starting" }));
    const exit = await Effect.runPromiseExit(pollUntilReady(probe, { intervalMs: 5, withinMs: 30 }, timeout));
    expect(exit).toMatchObject({ _tag: "Failure" });
    if (Exit.isFailure(exit)) expect(String(exit.cause)).toMatch(/gave up: still starting/);
  });

  it("stops at once on any other failure", async () => {
    let calls = 0;
    const probe = Effect.suspend(() => {
      calls++;
      return Effect.fail(new TestEnvironmentError({ step: "test", reason: "process exited" }));
    });
    const exit = await Effect.runPromiseExit(pollUntilReady(probe, { intervalMs: 1, withinMs: 5_000 }, timeout));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(calls).toBe(1);
  });
});

describe("withStateLock", () => {
  it("holds the lock while the work runs and releases it afterwards, even on failure", async () => {
    const lock = join(dir, "state.lock");
    const seen = await Effect.runPromise(withStateLock(lock, Effect.sync(() => readFileSync(lock, "utf8"))));
    expect(seen).toBe(String(process.pid));
    expect(existsSync(lock)).toBe(false);
    await Effect.runPromiseExit(withStateLock(lock, Effect.fail("boom")));
    expect(existsSync(lock)).toBe(false);
  });

  it("takes over the lock of a process that is gone", async () => {
    const lock = join(dir, "state.lock");
    writeFileSync(lock, String(2 ** 22 + 7));
    expect(await Effect.runPromise(withStateLock(lock, Effect.succeed("ran")))).toBe("ran");
  });

  it("waits for a live holder and names it when time runs out", async () => {
    const lock = join(dir, "state.lock");
    writeFileSync(lock, String(process.ppid));
    const exit = await Effect.runPromiseExit(withStateLock(lock, Effect.succeed("ran"), 300));
    expect(Exit.isFailure(exit)).toBe(true);
    if (Exit.isFailure(exit)) expect(String(exit.cause)).toMatch(new RegExp(`process ${process.ppid} holds`));
    expect(readFileSync(lock, "utf8")).toBe(String(process.ppid));
  });
});
