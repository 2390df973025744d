import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Cause, Effect, Exit } from "effect";
import type { CredentialsError } from "@skopush/core";
import { describe, expect, it } from "vitest";
import { getFromCredentialHelper } from "../src/credential-helper.js";
import { tempDir, writeFakeHelper } from "./support.js";

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
    const exit = await Effect.runPromiseExit(
      getFromCredentialHelper({
        helper: "skopushtest",
        serverUrl: "slow.example",
        configuredIn: "test",
        env: { PATH: `${dir}:/usr/bin:/bin` },
        timeoutMs: 60_000,
      }).pipe(Effect.timeout("200 millis")),
    );
    expect(Exit.isFailure(exit)).toBe(true);
  });
});
