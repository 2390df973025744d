import type { SkopeoHost, SkopeoRunOptions, Workspace } from "@skopush/skopeo";
import { makeLocalWorkspace, stageBySymlink } from "@skopush/skopeo";
import { runSkopeo } from "./run-skopeo.js";
import { skopeoEnvironment, type ResolvedNativeSkopeoOptions } from "./native-skopeo-options.js";

/** The prefix of every workspace the native strategy creates in its temp directory. */
export const NATIVE_WORKSPACE_PREFIX = "skopush-native-";

/**
 * skopeo on this host: workspaces are private directories in the temp directory, archives are read in
 * place (linked under a safe name when their path holds a `:`), and skopeo runs through execa with an
 * allowlisted environment. On Linux it also reports the bytes skopeo has read, for progress.
 */
export class NativeSkopeoHost implements SkopeoHost {
  readonly workspace: SkopeoHost["workspace"];

  constructor(
    readonly strategy: string,
    private readonly options: ResolvedNativeSkopeoOptions,
  ) {
    this.workspace = makeLocalWorkspace({ strategy, parent: options.tempDirectory, prefix: NATIVE_WORKSPACE_PREFIX });
  }

  stageArchive(workspace: Workspace, archivePath: string) {
    return stageBySymlink(this.strategy, workspace, archivePath);
  }

  run(args: ReadonlyArray<string>, options?: SkopeoRunOptions) {
    return runSkopeo(
      {
        strategy: this.strategy,
        skopeoPath: this.options.skopeoPath,
        env: skopeoEnvironment(this.options),
        killGraceMs: this.options.stopGraceMs,
        progressIntervalMs: this.options.progressIntervalMs,
      },
      args,
      options,
    );
  }
}
