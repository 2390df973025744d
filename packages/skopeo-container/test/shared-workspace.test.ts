import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit, Fiber } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sharedWorkspace, sharedDirectoryFault } from "../src/index.js";

describe("sharedWorkspace", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "skopush-shared-"));
  });
  afterEach(() => {
    chmodSync(root, 0o755);
    rmSync(root, { recursive: true, force: true });
  });
  const shared = () => ({ hostPath: join(root, "share"), containerPath: "/tmp/skopeo" });

  it("creates a private workspace mapped to the container path, and removes it with its files on success", async () => {
    const seen = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ws = yield* sharedWorkspace("docker-exec", shared());
          writeFileSync(join(ws.hostPath, "auth.json"), "{}", { mode: 0o600 });
          return { ...ws, mode: statSync(ws.hostPath).mode & 0o777, entries: readdirSync(ws.hostPath).sort() };
        }),
      ),
    );
    expect(seen.mode).toBe(0o700);
    expect(seen.hostPath.startsWith(join(root, "share", "skopush-"))).toBe(true);
    expect(seen.skopeoPath).toBe(`/tmp/skopeo/${seen.hostPath.split("/").pop()}`);
    expect(seen.entries).toEqual(["auth.json", "tmp"]);
    expect(readdirSync(join(root, "share"))).toEqual([]);
  });

  it("gives concurrent pushes distinct workspaces and removes all of them on failure", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.forEach(
        Array.from({ length: 8 }, (_, i) => i),
        (i) =>
          Effect.scoped(
            Effect.gen(function* () {
              const ws = yield* sharedWorkspace("docker-exec", shared());
              writeFileSync(join(ws.hostPath, "archive.tar"), String(i));
              yield* Effect.sleep(10);
              return ws.hostPath;
            }),
          ),
        { concurrency: "unbounded" },
      ).pipe(Effect.tap((paths) => (new Set(paths).size === 8 ? Effect.fail("boom" as const) : Effect.die("collision")))),
    );
    expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toBe("boom");
    expect(readdirSync(join(root, "share"))).toEqual([]);
  });

  it("removes the workspace when the push is interrupted", async () => {
    let path = "";
    const fiber = Effect.runFork(
      Effect.scoped(
        Effect.gen(function* () {
          path = (yield* sharedWorkspace("docker-exec", shared())).hostPath;
          yield* Effect.never;
        }),
      ),
    );
    while (path === "") await new Promise((r) => setTimeout(r, 2));
    await Effect.runPromise(Fiber.interrupt(fiber));
    expect(readdirSync(join(root, "share"))).toEqual([]);
  });

  it("fails with an EnvironmentFault that names the directory and the fix when a file is in its place", async () => {
    writeFileSync(join(root, "share"), "");
    const exit = await Effect.runPromiseExit(Effect.scoped(sharedWorkspace("docker-exec", shared())));
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined;
    expect(error).toMatchObject({ _tag: "EnvironmentFault", strategy: "docker-exec" });
    expect((error as Error).message).toContain(`the shared directory ${join(root, "share")} is not a directory (a regular file)`);
    expect((error as Error).message).toContain(`remove it (rm ${join(root, "share")}`);
  });

  it("says how to fix a permission problem", () => {
    const fault = sharedDirectoryFault("dockerode", { hostPath: "/tmp/geoml-skopeo", containerPath: "/tmp/skopeo" }, "create a workspace", Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }));
    expect(fault.fix).toContain("make /tmp/geoml-skopeo yours (chown it to this user, mode 0700)");
    expect(fault.fix).toContain("SKOPEO_SHARED_DIR");
  });
});
