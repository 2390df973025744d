import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit, Fiber } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sharedWorkspace, stageArchiveFile, sharedDirectoryFault, type CopyProgress } from "../src/index.js";

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
          return { ...ws, mode: statSync(ws.hostPath).mode & 0o777 };
        }),
      ),
    );
    expect(seen.mode).toBe(0o700);
    expect(seen.hostPath.startsWith(join(root, "share", "skopush-"))).toBe(true);
    expect(seen.containerPath).toBe(`/tmp/skopeo/${seen.hostPath.split("/").pop()}`);
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

  it("fails with an EnvironmentFault that names the directory and the fix when it cannot write there", async () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions: a file in place of the directory fails the same way for everyone.
      writeFileSync(join(root, "share"), "");
    } else {
      chmodSync(root, 0o500);
    }
    const exit = await Effect.runPromiseExit(Effect.scoped(sharedWorkspace("docker-exec", shared())));
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined;
    expect(error).toMatchObject({ _tag: "EnvironmentFault", strategy: "docker-exec" });
    expect((error as Error).message).toContain(`cannot create a workspace in the shared directory ${join(root, "share")}`);
  });

  it("says how to fix a permission problem", () => {
    const fault = sharedDirectoryFault("dockerode", { hostPath: "/tmp/geoml-skopeo", containerPath: "/tmp/skopeo" }, "create a workspace", Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }));
    expect(fault.fix).toContain("chmod 1777 /tmp/geoml-skopeo");
    expect(fault.fix).toContain("SKOPEO_SHARED_DIR");
  });
});

describe("stageArchiveFile", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "skopush-stage-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const fault = (action: string, cause: unknown) => sharedDirectoryFault("t", { hostPath: root, containerPath: "/c" }, action, cause);

  it("hard-links the archive on the same file system", async () => {
    const source = join(root, "image.tar");
    writeFileSync(source, "archive bytes");
    const events: CopyProgress[] = [];
    const how = await Effect.runPromise(stageArchiveFile(source, join(root, "staged.tar"), (e) => events.push(e), fault));
    expect(how).toBe("hard-link");
    expect(statSync(join(root, "staged.tar")).ino).toBe(statSync(source).ino);
    expect(events).toEqual([]);
  });

  it("copies with progress when a hard link is impossible (another file system)", async () => {
    const other = mkdtempSync(join("/dev/shm", "skopush-stage-"));
    try {
      const source = join(other, "image.tar");
      const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
      writeFileSync(source, bytes);
      const events: CopyProgress[] = [];
      const how = await Effect.runPromise(stageArchiveFile(source, join(root, "staged.tar"), (e) => events.push(e), fault));
      expect(how).toBe("copy");
      expect(readFileSync(join(root, "staged.tar")).equals(bytes)).toBe(true);
      expect(events.length).toBeGreaterThan(1);
      expect(events.at(-1)).toEqual({ bytesDone: bytes.length, bytesTotal: bytes.length });
      expect(events.map((e) => e.bytesDone)).toEqual([...events.map((e) => e.bytesDone)].sort((a, b) => a - b));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("fails with ArchiveInvalid naming a missing archive, or a directory", async () => {
    const missing = await Effect.runPromiseExit(stageArchiveFile(join(root, "nope.tar"), join(root, "s.tar"), () => {}, fault));
    expect(Exit.isFailure(missing) && Cause.squash(missing.cause)).toMatchObject({ _tag: "ArchiveInvalid", reason: "the file does not exist" });
    const dir = await Effect.runPromiseExit(stageArchiveFile(root, join(root, "s.tar"), () => {}, fault));
    expect(Exit.isFailure(dir) && Cause.squash(dir.cause)).toMatchObject({ _tag: "ArchiveInvalid", reason: "it is not a regular file" });
  });
});
