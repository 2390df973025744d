import { mkdir, readdir, rename, stat, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Effect } from "effect";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EnvironmentFault } from "@skopush/core";
import { makeLocalWorkspace } from "../src/index.js";
import { failureOf, tempDir } from "./support/unit.js";

// What another process that can write the parent does between mkdtemp and the open of its name; the real
// open runs right after, so the race an integration test hit only under load happens here every time.
let beforeOpen: ((path: string) => Promise<void>) | undefined;

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const open: typeof real.open = async (path, ...rest) => {
    const act = beforeOpen;
    beforeOpen = undefined;
    if (act !== undefined) await act(String(path));
    return real.open(path, ...rest);
  };
  return { ...real, default: { ...real, open }, open };
});

afterEach(() => {
  beforeOpen = undefined;
});

const create = (parent: string) => Effect.scoped(makeLocalWorkspace({ strategy: "test", parent, prefix: "skopush-" }));

const swappedFault = async (parent: string, swap: (path: string, aside: string) => Promise<void>) => {
  const aside = join(parent, "aside");
  let name = "";
  beforeOpen = async (path) => {
    name = basename(path);
    await swap(path, aside);
  };
  const fault = await failureOf(create(parent));
  expect(name).toMatch(/^skopush-/);
  return { fault, name, aside };
};

describe("makeLocalWorkspace, with its name swapped between mkdtemp and open", () => {
  it("a name that is gone is a typed 'swapped' EnvironmentFault, not ENOENT", async () => {
    const parent = await tempDir("ws-race-gone");
    const { fault, aside } = await swappedFault(parent, (path, aside) => rename(path, aside));
    expect(fault).toBeInstanceOf(EnvironmentFault);
    expect((fault as EnvironmentFault).reason).toContain("was swapped while it was being created: the name no longer exists");
    expect((fault as EnvironmentFault).fix).toContain(`no other user or process can write to ${parent}`);
    expect(await readdir(parent)).toEqual([basename(aside)]);
  });

  it("a link put in its place is refused and left alone, and what it points to is untouched", async () => {
    const parent = await tempDir("ws-race-link");
    const target = await tempDir("ws-race-target");
    await writeFile(join(target, "keep"), "hers");
    const { fault, name } = await swappedFault(parent, async (path, aside) => {
      await rename(path, aside);
      await symlink(target, path);
    });
    expect((fault as EnvironmentFault).reason).toContain("a symbolic link or a file was put in its place");
    expect((await readdir(parent)).sort()).toEqual(["aside", name].sort());
    expect(await readdir(target)).toEqual(["keep"]);
  });

  it("a directory that is not empty, or not mode 0700, is refused and left as it was", async () => {
    const parent = await tempDir("ws-race-full");
    const { fault, name } = await swappedFault(parent, async (path, aside) => {
      await rename(path, aside);
      await mkdir(path, { mode: 0o700 });
      await mkdir(join(path, "tmp"));
    });
    expect((fault as EnvironmentFault).reason).toContain("a directory that is not empty was put in its place");
    expect(await readdir(join(parent, name))).toEqual(["tmp"]);

    const open = await tempDir("ws-race-mode");
    const second = await swappedFault(open, async (path, aside) => {
      await rename(path, aside);
      await mkdir(path, { mode: 0o755 });
    });
    expect((second.fault as EnvironmentFault).reason).toContain("a directory of mode 755 was put in its place");
    expect((await stat(join(open, second.name))).isDirectory()).toBe(true);
  });

  it("an empty 0700 directory of the caller's put in its place is used, filled and removed like its own", async () => {
    const parent = await tempDir("ws-race-same");
    let name = "";
    beforeOpen = async (path) => {
      name = basename(path);
      await rename(path, join(dirname(path), "aside"));
      await mkdir(path, { mode: 0o700 });
    };
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.gen(function* () {
          const workspace = yield* makeLocalWorkspace({ strategy: "test", parent, prefix: "skopush-" });
          return yield* Effect.promise(() => readdir(workspace.pinnedPath));
        }),
      ),
    );
    expect(exit._tag).toBe("Success");
    expect(exit._tag === "Success" && exit.value).toEqual(["tmp"]);
    expect(name).not.toBe("");
    expect(await readdir(parent)).toEqual(["aside"]);
  });
});
