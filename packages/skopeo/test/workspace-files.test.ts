import { chmod, mkdir, readdir, readFile, readlink, rename, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect, Exit, Redacted } from "effect";
import { describe, expect, it } from "vitest";
import {
  AUTH_FILE_NAME,
  CERT_DIR_NAME,
  gunzipIntoWorkspace,
  makeLocalWorkspace,
  parseDigestFile,
  prepareCertDir,
  readDigestFile,
  stageByCopy,
  stageBySymlink,
  verifyWorkspace,
  WORKSPACE_TMP,
  writeAuthFile,
  workspacePathOf,
  type Workspace,
} from "../src/index.js";
import { failureOf, tempDir } from "./support/unit.js";

const exists = (path: string) => stat(path).then(() => true, () => false);
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("makeLocalWorkspace", () => {
  it("creates a 0700 directory with a tmp/ for skopeo, and removes it when the scope closes, even on failure", async () => {
    const parent = await tempDir("ws");
    let seen: Workspace | undefined;
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.gen(function* () {
          const workspace = yield* makeLocalWorkspace({ strategy: "test", parent, skopeoPathOf: (path) => `/mnt${path}` });
          seen = workspace;
          expect((yield* Effect.promise(() => stat(workspace.hostPath))).mode & 0o777).toBe(0o700);
          expect(yield* Effect.promise(() => exists(join(workspace.hostPath, WORKSPACE_TMP)))).toBe(true);
          return yield* Effect.fail("boom");
        }),
      ),
    );
    expect(Exit.isFailure(exit)).toBe(true);
    expect(seen?.skopeoPath).toBe(`/mnt${seen?.hostPath}`);
    expect(await exists(seen?.hostPath ?? "/nonexistent")).toBe(false);
  });

  it("fails with EnvironmentFault naming the directory when it cannot be created", async () => {
    const error = await failureOf(Effect.scoped(makeLocalWorkspace({ strategy: "test", parent: "/nonexistent/skopush" })));
    expect(error).toMatchObject({ _tag: "EnvironmentFault", strategy: "test" });
    expect(error.message).toContain("/nonexistent/skopush");
  });
});

describe("a workspace swapped under the push", () => {
  it("is written through the directory skopush created, refused before skopeo runs, and emptied where it went", async () => {
    const parent = await tempDir("swap");
    const moved = join(parent, "moved-away");
    let swapped: Workspace | undefined;
    const error = await failureOf(
      Effect.scoped(
        Effect.gen(function* () {
          const workspace = yield* makeLocalWorkspace({ strategy: "test", parent });
          swapped = workspace;
          yield* Effect.promise(() => verifyOk(workspace));
          // Another process renames the workspace and puts a directory of its own, then a link, in its place.
          yield* Effect.promise(async () => {
            await rename(workspace.hostPath, moved);
            await mkdir(workspace.hostPath, { mode: 0o700 });
          });
          yield* writeAuthFile("test", workspace, "registry.example:5000", { username: "u", password: Redacted.make("p") });
          yield* stageByCopy("test", workspace, yield* Effect.promise(() => writeArchive(parent)));
          expect(yield* Effect.promise(() => readdir(workspace.hostPath))).toEqual([]);
          expect((yield* Effect.promise(() => readdir(moved))).sort()).toEqual(["archive", AUTH_FILE_NAME, WORKSPACE_TMP]);
          return yield* verifyWorkspace("test", workspace);
        }),
      ),
    );
    expect(error).toMatchObject({ _tag: "EnvironmentFault", strategy: "test" });
    expect(error.message).toContain(`the push's working directory ${swapped?.hostPath} is not the one skopush created and filled: another directory was put in its place`);
    // What the push wrote is gone from where the directory went; what was put in its place is left alone.
    expect(await exists(moved)).toBe(false);
    expect(await readdir(swapped!.hostPath)).toEqual([]);
  });

  it("refuses a symbolic link put in the workspace's place", async () => {
    const parent = await tempDir("swap");
    const error = await failureOf(
      Effect.scoped(
        Effect.gen(function* () {
          const workspace = yield* makeLocalWorkspace({ strategy: "test", parent });
          yield* Effect.promise(async () => {
            await rename(workspace.hostPath, join(parent, "elsewhere"));
            await symlink(join(parent, "elsewhere"), workspace.hostPath);
          });
          return yield* verifyWorkspace("test", workspace);
        }),
      ),
    );
    expect(error.message).toContain("a symbolic link was put in its place");
    expect(await exists(join(parent, "elsewhere"))).toBe(false);
  });
});

const verifyOk = (workspace: Workspace) => Effect.runPromise(verifyWorkspace("test", workspace));
const writeArchive = async (dir: string) => {
  await writeFile(join(dir, "image.tar"), "archive bytes", { mode: 0o644 });
  return join(dir, "image.tar");
};

describe("staging", () => {
  it("maps paths inside the workspace to what skopeo sees, and nothing outside", () => {
    const workspace = { hostPath: "/tmp/ws", skopeoPath: "/shared/ws", pinnedPath: "/tmp/ws" };
    expect(workspacePathOf(workspace, "/tmp/ws/archive.tar")).toBe("/shared/ws/archive.tar");
    expect(workspacePathOf(workspace, "/tmp/ws")).toBe("/shared/ws");
    expect(workspacePathOf(workspace, "/tmp/other/archive.tar")).toBeUndefined();
    expect(workspacePathOf(workspace, "/tmp/ws2/archive.tar")).toBeUndefined();
  });

  it("stageBySymlink keeps safe paths and links a path holding ':' under a safe name", async () => {
    const dir = await tempDir("stage");
    const workspace = { hostPath: join(dir, "ws"), skopeoPath: join(dir, "ws"), pinnedPath: join(dir, "ws") };
    await mkdir(workspace.hostPath);
    await writeFile(join(dir, "a:b.tar"), "x");
    expect(await Effect.runPromise(stageBySymlink("test", workspace, join(dir, "plain.tar")))).toBe(join(dir, "plain.tar"));
    const staged = await Effect.runPromise(stageBySymlink("test", workspace, join(dir, "a:b.tar")));
    expect(staged).toBe(join(workspace.hostPath, "archive"));
    expect(await readlink(staged)).toBe(join(dir, "a:b.tar"));
  });

  it("stageByCopy hard-links or copies files and copies OCI layout directories into the workspace", async () => {
    const dir = await tempDir("stage");
    const workspace = { hostPath: join(dir, "ws"), skopeoPath: "/in/container/ws", pinnedPath: join(dir, "ws") };
    await mkdir(workspace.hostPath);
    await writeFile(join(dir, "image.tar"), "archive bytes");
    const progress: Array<[number, number]> = [];
    expect(await Effect.runPromise(stageByCopy("test", workspace, join(dir, "image.tar"), (done, total) => progress.push([done, total])))).toBe("/in/container/ws/archive");
    expect(await readFile(join(workspace.hostPath, "archive"), "utf8")).toBe("archive bytes");
    expect(progress.at(-1)).toEqual([13, 13]);

    const other = { hostPath: join(dir, "ws2"), skopeoPath: "/in/container/ws2", pinnedPath: join(dir, "ws2") };
    await mkdir(other.hostPath);
    await mkdir(join(dir, "layout", "blobs"), { recursive: true });
    await writeFile(join(dir, "layout", "index.json"), "{}");
    expect(await Effect.runPromise(stageByCopy("test", other, join(dir, "layout")))).toBe("/in/container/ws2/archive");
    expect(await readFile(join(other.hostPath, "archive", "index.json"), "utf8")).toBe("{}");

    const missing = await failureOf(stageByCopy("test", other, join(dir, "missing.tar")));
    expect(missing._tag).toBe("ArchiveInvalid");
  });

  it("gunzipIntoWorkspace fails a corrupt gzip stream with ArchiveInvalid", async () => {
    const dir = await tempDir("stage");
    const workspace = { hostPath: dir, skopeoPath: dir, pinnedPath: dir };
    await writeFile(join(dir, "bad.tar.gz"), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]));
    expect(await failureOf(gunzipIntoWorkspace("test", workspace, join(dir, "bad.tar.gz")))).toMatchObject({ _tag: "ArchiveInvalid" });
  });
});

describe("prepareCertDir", () => {
  it("copies the CA file as ca.crt and a certs.d directory's files, in the workspace", async () => {
    const dir = await tempDir("certs");
    const workspace = { hostPath: join(dir, "ws"), skopeoPath: "/in/container/ws", pinnedPath: join(dir, "ws") };
    await mkdir(workspace.hostPath);
    await mkdir(join(dir, "certs.d"));
    for (const name of ["ca.crt", "client.cert", "client.key", "README"]) await writeFile(join(dir, "certs.d", name), PEM);
    await writeFile(join(dir, "extra-ca.pem"), PEM);
    const path = await Effect.runPromise(prepareCertDir(workspace, "h:1", { verify: true, caFile: join(dir, "extra-ca.pem"), certDir: join(dir, "certs.d") }));
    expect(path).toBe(`/in/container/ws/${CERT_DIR_NAME}`);
    for (const name of ["ca.crt", "client.cert", "client.key", "skopush-ca.crt"]) expect(await exists(join(workspace.hostPath, CERT_DIR_NAME, name))).toBe(true);
    expect(await exists(join(workspace.hostPath, CERT_DIR_NAME, "README"))).toBe(false);
    expect(await Effect.runPromise(prepareCertDir(workspace, "h:1", { verify: true }))).toBeUndefined();
  });

  it("fails with TlsVerificationFailed on a missing or non-PEM CA file", async () => {
    const dir = await tempDir("certs");
    const workspace = async (name: string) => {
      await mkdir(join(dir, name));
      return { hostPath: join(dir, name), skopeoPath: join(dir, name), pinnedPath: join(dir, name) };
    };
    const missing = await failureOf(prepareCertDir(await workspace("a"), "h:1", { verify: true, caFile: join(dir, "nope.pem") }));
    expect(missing).toMatchObject({ _tag: "TlsVerificationFailed", registry: "h:1" });
    expect(missing.message).toContain("nope.pem cannot be read (ENOENT)");
    await writeFile(join(dir, "junk.pem"), "not a certificate");
    const junk = await failureOf(prepareCertDir(await workspace("b"), "h:1", { verify: true, caFile: join(dir, "junk.pem") }));
    expect(junk.message).toContain("holds no PEM certificate");
  });
});

describe("digest file", () => {
  it("accepts exactly one sha256 digest", async () => {
    expect(parseDigestFile(`sha256:${"a".repeat(64)}\n`)).toBe(`sha256:${"a".repeat(64)}`);
    expect(parseDigestFile("sha256:abc")).toBeUndefined();
    expect(parseDigestFile("")).toBeUndefined();
    const dir = await tempDir("digest");
    await writeFile(join(dir, "digest"), "garbage");
    await chmod(join(dir, "digest"), 0o600);
    expect(await failureOf(readDigestFile("test", join(dir, "digest")))).toMatchObject({ _tag: "EnvironmentFault" });
    expect(await failureOf(readDigestFile("test", join(dir, "none")))).toMatchObject({ _tag: "EnvironmentFault" });
  });
});
