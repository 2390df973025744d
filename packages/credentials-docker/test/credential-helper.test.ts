import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Cause, Effect, Exit, Fiber } from "effect";
import type { CredentialsError } from "@skopush/core";
import { describe, expect, it } from "vitest";
import { getFromCredentialHelper } from "../src/credential-helper.js";
import { tempDir, writeFakeHelper } from "./support.js";

/** The text of `path` once it has some; fails after a few seconds. */
const waitForText = async (path: string): Promise<string> => {
  let text = "";
  await waitUntil(async () => (text = (await readFile(path, "utf8").catch(() => "")).trim()) !== "", `${path} to be written`, 10_000);
  return text;
};

/** Resolves once `condition` holds; rejects after `timeoutMs` saying what it waited for. */
const waitUntil = async (condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** True while `pid` is the helper's `sleep 30` (not a zombie, not a reused pid). */
const sleeping = async (pid: number): Promise<boolean> => {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return cmdline === "sleep\u000030\u0000";
};

const run = async (serverUrl: string, timeoutMs = 10_000) => {
  const dir = await tempDir();
  await writeFakeHelper(dir);
  const log = join(dir, "helper.log");
  const exit = await Effect.runPromiseExit(
    getFromCredentialHelper({
      helper: "skopushtest",
      serverUrl,
      configuredIn: "/home/u/.docker/config.json",
      env: { PATH: `${dir}:/usr/bin:/bin`, HELPER_LOG: log },
      timeoutMs,
    }),
  );
  return { exit, log };
};

const errorOf = (exit: Exit.Exit<unknown, CredentialsError>): CredentialsError => {
  const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined;
  if (error?._tag !== "Some") throw new Error(`expected a failure, got ${String(exit)}`);
  return error.value;
};

describe("docker-credential helper protocol", () => {
  it("runs `<helper> get` with the server URL on stdin and reads Username/Secret", async () => {
    const { exit, log } = await run("found.example");
    expect(Exit.isSuccess(exit) && exit.value).toEqual({ kind: "password", username: "robot$proj+ci", password: "he:lper$ecret" });
    // argv is exactly ["get"]; the server URL arrived on stdin, which was closed (the helper reads to EOF).
    expect(await readFile(log, "utf8")).toBe("get\nfound.example\n");
  });

  it('treats "credentials not found in native keychain" as no answer', async () => {
    const { exit } = await run("missing.example");
    expect(Exit.isSuccess(exit) && exit.value).toEqual({ kind: "not-found" });
  });

  it("treats an empty Username and Secret as no answer", async () => {
    const { exit } = await run("empty.example");
    expect(Exit.isSuccess(exit) && exit.value).toEqual({ kind: "not-found" });
  });

  it("fails on other errors with the exit code and stderr, never stdout", async () => {
    const { exit } = await run("broken.example");
    const error = errorOf(exit);
    expect(error.message).toMatch(/docker-credential-skopushtest \(configured in \/home\/u\/.docker\/config.json\): exited with code 1/);
    expect(error.message).toContain("keychain is locked");
    expect(error.message).not.toContain("SHOULD-NOT-LEAK");
  });

  it("fails without echoing an answer that is not JSON", async () => {
    const error = errorOf((await run("garbage.example")).exit);
    expect(error.message).toMatch(/not the JSON object the helper protocol defines/);
    expect(error.message).not.toContain("SHOULD-NOT-LEAK");
  });

  it("refuses an identity token", async () => {
    const error = errorOf((await run("token.example")).exit);
    expect(error.message).toMatch(/identity token/);
    expect(error.message).not.toContain("refresh-token-value");
  });

  it("times out a helper that does not answer", async () => {
    const error = errorOf((await run("slow.example", 300)).exit);
    expect(error.message).toMatch(/did not answer within 300 ms/);
  });

  it("stops the helper when interrupted", async () => {
    const dir = await tempDir();
    await writeFakeHelper(dir);
    const pidFile = join(dir, "helper.pid");
    const fiber = Effect.runFork(
      getFromCredentialHelper({
        helper: "skopushtest",
        serverUrl: "slow.example",
        configuredIn: "test",
        env: { PATH: `${dir}:/usr/bin:/bin`, HELPER_PID_FILE: pidFile },
        timeoutMs: 60_000,
      }),
    );
    const pid = Number(await waitForText(pidFile));
    expect(await sleeping(pid)).toBe(true);
    const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))));
    expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true);
    // The helper (now `sleep 30`) is gone: waited for, far below its 30 s and the 60 s time limit.
    await waitUntil(async () => !(await sleeping(pid)), `helper ${pid} to be stopped`, 10_000);
  }, 20_000);
});
