import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect, Exit, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import { makeCredentials } from "@skopush/core";
import { AUTH_FILE_NAME, authFileContent, writeAuthFile, type Workspace } from "../src/index.js";
import { failureOf, tempDir } from "./support/unit.js";

const credentials = makeCredentials("robot$proj+ci", "pa:ss$word\"'");
const workspaceIn = (dir: string): Workspace => ({ hostPath: dir, skopeoPath: "/skopeo/sees/this", pinnedPath: dir });
const exists = (path: string) => stat(path).then(() => true, () => false);

describe("authFileContent", () => {
  it("is a containers auth.json keyed by the registry host, the robot name and password intact", () => {
    const json = JSON.parse(authFileContent("harbor.example.com:8443", credentials)) as { auths: Record<string, { auth: string }> };
    expect(Object.keys(json.auths)).toEqual(["harbor.example.com:8443"]);
    expect(Buffer.from(json.auths["harbor.example.com:8443"]?.auth ?? "", "base64").toString("utf8")).toBe("robot$proj+ci:pa:ss$word\"'");
  });
});

describe("writeAuthFile", () => {
  it("creates the file with mode 0600, returns both paths, and removes it when the scope closes", async () => {
    const dir = await tempDir("auth");
    const path = join(dir, AUTH_FILE_NAME);
    const seen = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const file = yield* writeAuthFile("test", workspaceIn(dir), "registry.test", credentials);
          const info = yield* Effect.promise(() => stat(file.hostPath));
          const content = yield* Effect.promise(() => readFile(file.hostPath, "utf8"));
          return { file, mode: info.mode & 0o777, content };
        }),
      ),
    );
    expect(seen.file).toEqual({ hostPath: path, skopeoPath: `/skopeo/sees/this/${AUTH_FILE_NAME}` });
    expect(seen.mode).toBe(0o600);
    expect(seen.content).toBe(authFileContent("registry.test", credentials));
    expect(await exists(path)).toBe(false);
  });

  it("is removed when the work in its scope fails", async () => {
    const dir = await tempDir("auth");
    const exit = await Effect.runPromiseExit(
      Effect.scoped(writeAuthFile("test", workspaceIn(dir), "registry.test", credentials).pipe(Effect.andThen(Effect.fail("push failed")))),
    );
    expect(Exit.isFailure(exit)).toBe(true);
    expect(await exists(join(dir, AUTH_FILE_NAME))).toBe(false);
  });

  it("is removed when the work in its scope is interrupted", async () => {
    const dir = await tempDir("auth");
    const fiber = Effect.runFork(Effect.scoped(writeAuthFile("test", workspaceIn(dir), "registry.test", credentials).pipe(Effect.andThen(Effect.never))));
    for (let i = 0; i < 100 && !(await exists(join(dir, AUTH_FILE_NAME))); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await exists(join(dir, AUTH_FILE_NAME))).toBe(true);
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(await exists(join(dir, AUTH_FILE_NAME))).toBe(false);
  });

  it("never reuses an existing file (or a planted link): it fails with EnvironmentFault and leaves the file alone", async () => {
    const dir = await tempDir("auth");
    await writeFile(join(dir, AUTH_FILE_NAME), "planted", { mode: 0o644 });
    const error = await failureOf(Effect.scoped(writeAuthFile("test", workspaceIn(dir), "registry.test", credentials)));
    expect(error._tag).toBe("EnvironmentFault");
    expect(error.message).not.toContain("pa:ss$word");
    expect(await readFile(join(dir, AUTH_FILE_NAME), "utf8")).toBe("planted");
  });
});
