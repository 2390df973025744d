import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect } from "effect";
import type { EnvironmentFault } from "@skopush/core";
import {
  makeLocalWorkspace,
  stageBySymlink,
  type SkopeoHost,
  type SkopeoRunOptions,
  type SkopeoRunResult,
  type Workspace,
} from "../../src/index.js";

/** What the fake saw when skopeo would have run. */
export interface FakeRun {
  readonly args: ReadonlyArray<string>;
  readonly env: Readonly<Record<string, string>>;
  /** The workspace's files (name → mode) while "skopeo" ran. */
  readonly files: Readonly<Record<string, number>>;
  /** The authfile's content while "skopeo" ran, if there was one. */
  readonly authFile?: string | undefined;
}

/** How the fake "skopeo" behaves. */
export type FakeBehaviour =
  | { readonly kind: "succeed"; readonly stdout: string; readonly digest?: string | undefined }
  | { readonly kind: "fail"; readonly exitCode: number; readonly stderr: string }
  | { readonly kind: "hang" };

const argAfter = (args: ReadonlyArray<string>, flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
};

const filesOf = async (dir: string, prefix = ""): Promise<Record<string, number>> => {
  const files: Record<string, number> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    files[`${prefix}${entry.name}`] = (await stat(path).catch(() => ({ mode: 0 }))).mode & 0o777;
    if (entry.isDirectory()) Object.assign(files, await filesOf(path, `${prefix}${entry.name}/`));
  }
  return files;
};

/**
 * A `SkopeoHost` whose "skopeo" is a script: workspaces and staging are the real local ones, `run`
 * records what skopeo would have been given, prints the recorded lines, writes the digest file.
 */
export class FakeSkopeoHost implements SkopeoHost {
  readonly strategy = "fake";
  readonly runs: FakeRun[] = [];
  readonly workspace: SkopeoHost["workspace"];
  private current?: Workspace;

  private readonly behaviours: ReadonlyArray<FakeBehaviour>;

  /** One behaviour per run, the last repeating. */
  constructor(parent: string, behaviour: FakeBehaviour | ReadonlyArray<FakeBehaviour>) {
    this.behaviours = Array.isArray(behaviour) ? behaviour : [behaviour as FakeBehaviour];
    this.workspace = makeLocalWorkspace({ strategy: this.strategy, parent, prefix: "skopush-fake-" }).pipe(
      Effect.tap((workspace) => Effect.sync(() => void (this.current = workspace))),
    );
  }

  stageArchive(workspace: Workspace, archivePath: string) {
    return stageBySymlink(this.strategy, workspace, archivePath);
  }

  run(args: ReadonlyArray<string>, options: SkopeoRunOptions = {}): Effect.Effect<SkopeoRunResult, EnvironmentFault> {
    return Effect.promise(async () => {
      const workspace = this.current as Workspace;
      const authPath = argAfter(args, "--dest-authfile");
      this.runs.push({
        args,
        env: options.env ?? {},
        files: await filesOf(workspace.hostPath),
        authFile: authPath ? await readFile(authPath, "utf8") : undefined,
      });
      return this.behaviours[Math.min(this.runs.length - 1, this.behaviours.length - 1)] as FakeBehaviour;
    }).pipe(
      Effect.flatMap((behaviour) => {
        switch (behaviour.kind) {
          case "hang":
            return Effect.never;
          case "fail":
            return Effect.sync(() => {
              for (const line of behaviour.stderr.split("\n")) options.onLine?.(line, "stderr");
              return { exitCode: behaviour.exitCode, stdout: "", stderr: behaviour.stderr };
            });
          case "succeed":
            return Effect.promise(async () => {
              for (const line of behaviour.stdout.split("\n")) options.onLine?.(line, "stdout");
              const digestFile = argAfter(args, "--digestfile");
              if (behaviour.digest !== undefined && digestFile) await writeFile(digestFile, behaviour.digest);
              return { exitCode: 0, stdout: behaviour.stdout, stderr: "" };
            });
        }
      }),
    );
  }
}
