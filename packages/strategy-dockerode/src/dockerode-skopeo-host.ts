import { lstat, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, posix, relative, sep } from "node:path";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import type * as Scope from "effect/Scope";
import { readTarStream, type StreamedTarFile } from "@skopush/archive";
import { ArchiveInvalid, type EnvironmentFault } from "@skopush/core";
import {
  AUTH_FILE_NAME,
  CREATE_NEW_FILE,
  makeLocalWorkspace,
  stageByCopy,
  workspacePathOf,
  type SkopeoHost,
  type SkopeoRunOptions,
  type SkopeoRunResult,
  type StageProgress,
  type Workspace,
} from "@skopush/skopeo";
import {
  killedSkopeoProblem,
  removeCommand,
  sampleContainerSkopeoBytes,
  settledContainerState,
  sharedWorkspace,
  SIGNAL_EXIT_BASE,
  stopCommand,
  wrappedCommand,
  WRAPPER_CANCELLED_EXIT,
  WRAPPER_NO_WORKSPACE_EXIT,
  type SharedDirectory,
  type StopSignal,
} from "@skopush/skopeo-container";
import { classifyDockerApiError, environmentFault, type DockerApiContext, type DockerApiProblem } from "./classify-error.js";
import { reapDeadUploadsOnce, UPLOAD_PREFIX } from "./dead-uploads.js";
import type { DockerClient, ExecHandle } from "./docker-client.js";
import { LineSplitter } from "./line-splitter.js";
import { tarStream, type TarEntry } from "./tar-stream.js";

/** The archive's name in the push's container directory. */
export const STAGED_ARCHIVE_NAME = "archive.tar";

/** How the archive and the push's files reach the container. */
export type Transfer =
  | { readonly kind: "shared-directory"; readonly shared: SharedDirectory }
  | { readonly kind: "upload"; readonly parent: string };

/** The resident container as one push through the Engine API reaches it. */
export interface DockerodeTarget {
  readonly strategy: string;
  readonly docker: DockerClient;
  readonly container: string;
  readonly context: DockerApiContext;
  readonly transfer: Transfer;
  /** How long skopeo gets to exit after SIGTERM on cancellation, before SIGKILL. */
  readonly stopGraceMs: number;
}

const apiFault = (target: DockerodeTarget, action: string, cause: unknown): EnvironmentFault => {
  const problem = classifyDockerApiError(cause, target.context);
  return environmentFault(target.strategy, { reason: `cannot ${action}: ${problem.reason}`, fix: problem.fix }, cause);
};

/** Runs a command to completion in the container and answers its exit code and output. */
const execToEnd = (target: DockerodeTarget, command: ReadonlyArray<string>) =>
  Effect.tryPromise({
    try: async () => {
      let output = "";
      const handle = await target.docker.exec(target.container, command, [], (chunk) => (output += chunk.toString("utf8")));
      return { exitCode: await handle.exited, output };
    },
    catch: (cause) => cause,
  });

/** Whether the container still runs; a recognised Engine API problem (the daemon gone) instead when there is one. */
const containerState = (target: DockerodeTarget): Effect.Effect<boolean | undefined | DockerApiProblem> =>
  Effect.promise(() =>
    target.docker.inspectContainer(target.container).then(
      (inspect) => (inspect as { State?: { Running?: unknown } }).State?.Running === true,
      (error: unknown) => {
        const problem = classifyDockerApiError(error, target.context);
        return problem.kind === "no-container" ? false : problem.kind === "unknown" ? undefined : problem;
      },
    ),
  );

/** skopeo ended by a signal: the container (or the daemon) went away under the push, or skopeo alone was killed. */
const killedFault = (target: DockerodeTarget, exitCode: number): Effect.Effect<never, EnvironmentFault> =>
  settledContainerState(containerState(target)).pipe(
    Effect.flatMap((state) =>
      Effect.fail(
        typeof state === "object"
          ? environmentFault(target.strategy, state)
          : environmentFault(target.strategy, killedSkopeoProblem({ container: target.container, exitCode, containerRunning: state })),
      ),
    ),
  );

const waitFor = (handle: ExecHandle, ms: number): Effect.Effect<boolean> =>
  Effect.promise(() =>
    Promise.race([handle.exited.then(() => true, () => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]),
  );

/** Every file and directory under `root`, as tar entries named `prefix/<relative path>`, modes kept. */
const treeEntries = async (root: string, prefix: string): Promise<TarEntry[]> => {
  const entries: TarEntry[] = [];
  const walk = async (dir: string) => {
    for (const dirent of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, dirent.name);
      const name = posix.join(prefix, relative(root, path).split(sep).join("/"));
      const info = await stat(path);
      if (dirent.isDirectory()) {
        entries.push({ type: "directory", name, mode: info.mode & 0o7777 });
        await walk(path);
      } else if (dirent.isFile()) {
        entries.push({ type: "file", name, mode: info.mode & 0o7777, path, size: info.size });
      }
    }
  };
  await walk(root);
  return entries;
};

/** The largest file read back from the container: skopeo writes a digest file there, not layers. */
const RESULT_FILE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Writes a file of the container's workspace (named `ws/<path>` in its tar) into the local workspace when
 * it is not there yet: what skopeo wrote. What the push put there itself (the authfile, the cert dir, a
 * decompressed archive of gigabytes) is passed over unread.
 */
const copyBack = (ws: Workspace, file: StreamedTarFile): Effect.Effect<void, ArchiveInvalid> =>
  Effect.gen(function* () {
    const relativeName = file.name.split("/").slice(1);
    if (relativeName.length === 0) return;
    const local = join(ws.pinnedPath, ...relativeName);
    if (yield* Effect.promise(() => lstat(local).then(() => true, () => false))) return;
    const content = yield* file.content;
    yield* Effect.promise(() => writeFile(local, content, { mode: file.mode & 0o777, flag: CREATE_NEW_FILE }).catch(() => undefined));
  });

/**
 * The {@link SkopeoHost} of one push through the Engine API. With the shared directory, as docker-exec:
 * the workspace lives there and the archive is hard-linked or copied in. Without it, the workspace is a
 * private directory here mirrored into a private directory in the container: the archive is streamed in
 * with `putArchive`, the workspace's files (authfile 0600, cert dir) are uploaded before skopeo runs and
 * what skopeo wrote (the digest file) is read back after; the container directory is removed with `rm`
 * when the push ends. One host per push.
 */
export const dockerodeSkopeoHost = (target: DockerodeTarget): SkopeoHost => {
  let workspace: Workspace | undefined;
  const uploadRootOf = (ws: Workspace) => posix.dirname(ws.skopeoPath);

  const stop = (ws: Workspace, signal: StopSignal) => execToEnd(target, stopCommand(ws.skopeoPath, signal)).pipe(Effect.ignore);

  const cancel = (handle: ExecHandle, ws: Workspace) =>
    Effect.gen(function* () {
      yield* stop(ws, "TERM");
      if (yield* waitFor(handle, target.stopGraceMs)) return;
      yield* stop(ws, "KILL");
      yield* waitFor(handle, 2_000);
    }).pipe(Effect.ensuring(Effect.sync(() => handle.detach())));

  const uploadWorkspace: Effect.Effect<Workspace, EnvironmentFault, Scope.Scope> = Effect.gen(function* () {
    if (target.transfer.kind !== "upload") return yield* Effect.die(new Error("upload workspace without upload transfer"));
    const parent = target.transfer.parent;
    // What pushes killed earlier left in the container (their archive, cert dir): removed by the first upload of a run.
    yield* Effect.promise(() => reapDeadUploadsOnce(target.docker, target.container, parent));
    const local = yield* makeLocalWorkspace({ strategy: target.strategy, parent: tmpdir(), prefix: UPLOAD_PREFIX });
    const name = basename(local.hostPath);
    const root = posix.join(parent, name);
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          target.docker.putArchive(
            target.container,
            parent,
            tarStream([
              { type: "directory", name, mode: 0o700 },
              { type: "directory", name: `${name}/ws`, mode: 0o700 },
            ]),
          ),
        catch: (cause) => apiFault(target, `create ${root} in container ${target.container}`, cause),
      }),
      () => execToEnd(target, removeCommand(root)).pipe(Effect.ignore),
    );
    return { ...local, skopeoPath: posix.join(root, "ws") };
  });

  const syncUp = (ws: Workspace) =>
    Effect.tryPromise({
      try: async () => {
        const entries = await treeEntries(ws.pinnedPath, "ws");
        if (entries.length > 0) await target.docker.putArchive(target.container, uploadRootOf(ws), tarStream(entries));
      },
      catch: (cause) => apiFault(target, `upload the push's files into container ${target.container}`, cause),
    });

  const syncDown = (ws: Workspace) => {
    const action = `read skopeo's results back from container ${target.container}`;
    return Effect.tryPromise({
      try: () => target.docker.getArchive(target.container, ws.skopeoPath),
      catch: (cause) => apiFault(target, action, cause),
    }).pipe(
      Effect.flatMap((stream) =>
        readTarStream(stream, { path: `container ${target.container}:${ws.skopeoPath}`, maxFileBytes: RESULT_FILE_MAX_BYTES }, (file) => copyBack(ws, file)),
      ),
      Effect.catchTag("ArchiveInvalid", (error) =>
        Effect.fail(
          error.cause !== undefined
            ? apiFault(target, action, error.cause)
            : environmentFault(target.strategy, { reason: `cannot ${action}: the tar the daemon sent was refused (${error.reason})`, fix: `docker restart ${target.container}` }, error),
        ),
      ),
    );
  };

  const stageUpload = (ws: Workspace, archivePath: string, progress?: StageProgress) =>
    Effect.gen(function* () {
      // Already in the workspace (a gzip archive skopeoCopy decompressed there): it goes up with the workspace.
      const inWorkspace = workspacePathOf(ws, archivePath);
      if (inWorkspace !== undefined) return inWorkspace.split(sep).join("/");
      const info = yield* Effect.tryPromise({
        try: () => stat(archivePath),
        catch: (cause) =>
          new ArchiveInvalid({
            path: archivePath,
            reason: (cause as { code?: string }).code === "ENOENT" ? "the file does not exist" : `cannot read it: ${(cause as Error).message}`,
            cause,
          }),
      });
      if (info.isDirectory()) {
        // An OCI layout directory: its tree, under the staged name.
        yield* Effect.tryPromise({
          try: async () => {
            const entries: TarEntry[] = [{ type: "directory", name: STAGED_ARCHIVE_NAME, mode: 0o755 }, ...(await treeEntries(archivePath, STAGED_ARCHIVE_NAME))];
            await target.docker.putArchive(target.container, uploadRootOf(ws), tarStream(entries));
          },
          catch: (cause) => apiFault(target, `upload the archive into container ${target.container}`, cause),
        });
        return posix.join(uploadRootOf(ws), STAGED_ARCHIVE_NAME);
      }
      if (!info.isFile()) return yield* Effect.fail(new ArchiveInvalid({ path: archivePath, reason: "it is not a regular file" }));
      let done = 0;
      let reported = -1;
      yield* Effect.tryPromise({
        // Interrupting the push aborts the upload; the container directory's release then removes the part sent.
        try: (signal) =>
          target.docker.putArchive(
            target.container,
            uploadRootOf(ws),
            tarStream([{ type: "file", name: STAGED_ARCHIVE_NAME, mode: 0o644, path: archivePath, size: info.size }], (bytes) => {
              done += bytes;
              const percent = info.size === 0 ? 100 : Math.floor((done / info.size) * 100);
              if (percent !== reported) {
                reported = percent;
                progress?.(done, info.size);
              }
            }),
            signal,
          ),
        catch: (cause) => apiFault(target, `upload the archive into container ${target.container}`, cause),
      });
      return posix.join(uploadRootOf(ws), STAGED_ARCHIVE_NAME);
    });

  const transfer = target.transfer;
  return {
    strategy: target.strategy,
    workspace: (transfer.kind === "shared-directory" ? sharedWorkspace(target.strategy, transfer.shared) : uploadWorkspace).pipe(
      Effect.tap((ws) => Effect.sync(() => void (workspace = ws))),
    ),
    stageArchive: (ws, archivePath, progress) =>
      transfer.kind === "shared-directory" ? stageByCopy(target.strategy, ws, archivePath, progress) : stageUpload(ws, archivePath, progress),
    run: (args, options: SkopeoRunOptions = {}): Effect.Effect<SkopeoRunResult, EnvironmentFault> => {
      const ws = workspace;
      if (ws === undefined) return Effect.die(new Error("dockerodeSkopeoHost.run before workspace"));
      const env = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
      let stdout = "";
      let stderr = "";
      const lines = {
        stdout: new LineSplitter((line) => options.onLine?.(line, "stdout")),
        stderr: new LineSplitter((line) => options.onLine?.(line, "stderr")),
      };
      // The container's processes are this machine's only when the daemon runs here.
      const local = /^(?:unix|npipe):|^\w+:\/\/(?:127\.|localhost|\[::1\])/.test(target.docker.endpoint);
      let stopSampling = () => {};
      const execute = Effect.acquireUseRelease(
        Effect.tryPromise({
          try: () =>
            // stdin attached and never written: when this process ends, however, the connection closes, and the
            // wrapper in the container stops skopeo and removes the authfile.
            target.docker.exec(
              target.container,
              wrappedCommand(ws.skopeoPath, ["skopeo", ...args], { graceSeconds: target.stopGraceMs / 1000, authFile: options.authFile }),
              env,
              (chunk, stream) => {
                if (stream === "stdout") stdout += chunk.toString("utf8");
                else stderr += chunk.toString("utf8");
                lines[stream].push(chunk);
              },
              { attachStdin: true },
            ),
          catch: (cause) => apiFault(target, `run skopeo in container ${target.container}`, cause),
        }),
        (handle) => {
          if (options.onBytesRead && local) stopSampling = sampleContainerSkopeoBytes(ws.skopeoPath, options.onBytesRead);
          return Effect.tryPromise({
            try: () => handle.exited,
            catch: (cause) => apiFault(target, `follow skopeo in container ${target.container}`, cause),
          });
        },
        (handle, exit) => {
          stopSampling();
          return Exit.isSuccess(exit) ? Effect.void : cancel(handle, ws);
        },
      );
      return Effect.gen(function* () {
        if (transfer.kind === "upload") {
          yield* syncUp(ws);
          // Uploaded: the container's copy is the one skopeo reads (and its wrapper removes); none stays here.
          if (options.authFile !== undefined) yield* Effect.promise(() => rm(join(ws.pinnedPath, AUTH_FILE_NAME), { force: true }).catch(() => undefined));
        }
        const exitCode = yield* execute;
        lines.stdout.flush();
        lines.stderr.flush();
        if (exitCode === WRAPPER_NO_WORKSPACE_EXIT || exitCode === WRAPPER_CANCELLED_EXIT) {
          return yield* Effect.fail(
            environmentFault(target.strategy, {
              reason: `the push's directory ${ws.skopeoPath} is not there inside container ${target.container}`,
              fix: `docker restart ${target.container}`,
            }),
          );
        }
        if (exitCode !== 0 && /OCI runtime exec failed|executable file not found/.test(stdout + stderr)) {
          const problem = classifyDockerApiError(new Error((stdout + stderr).trim()), target.context);
          return yield* Effect.fail(environmentFault(target.strategy, problem));
        }
        if (exitCode >= SIGNAL_EXIT_BASE) return yield* killedFault(target, exitCode);
        if (transfer.kind === "upload") yield* syncDown(ws);
        return { exitCode, stdout, stderr };
      });
    },
  };
};
