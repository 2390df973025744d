import { execFileSync } from "node:child_process";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildCommand } from "../bench-row.js";
import { resetPrivateCache, withPrivateCache } from "../private-skopeo-cache.js";

/** The `skopush` command as npm links it: the skopush package's bin, which runs the one-file bundle. */
export const SKOPUSH_BIN = fileURLToPath(new URL("../../../packages/skopush/bin/skopush.cjs", import.meta.url));

/** One way to push in the start-up section, with what it keeps between pushes. */
export interface StartupPusher {
  /** `skopeo copy`, `skopush native`, `skopush registry`. */
  readonly name: string;
  /** Empties its blob-info caches, so the next push is cold (skopush's compile cache stays: it is the program's, not the push's). */
  clearCaches(): Promise<void>;
  command(destination: string): ChildCommand;
}

/** Where every start-up process runs: the archive, the registry, and a directory of its own. */
export interface StartupContext {
  readonly archive: string;
  readonly work: string;
  /** The environment of every process: this one's, without NODE_EXTRA_CA_CERTS (see `startupEnvironment`). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The environment of the start-up rows: ours, without `NODE_EXTRA_CA_CERTS`. Node reads that file at start
 * (~40 ms for a system bundle on this machine), which would hide the difference between `node -e 0` and
 * `skopush --version`; the bench says so when it was set.
 */
export const startupEnvironment = (): { readonly env: Record<string, string>; readonly note?: string | undefined } => {
  const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  if (env.NODE_EXTRA_CA_CERTS === undefined) return { env };
  delete env.NODE_EXTRA_CA_CERTS;
  return { env, note: `NODE_EXTRA_CA_CERTS (${process.env.NODE_EXTRA_CA_CERTS}) is unset for these processes: every Node process reads it at start` };
};

/** `node -e 0` and `skopush --version`: the start of a bare Node and of the command. */
export const versionCommands = (context: StartupContext): { readonly node: ChildCommand; readonly skopush: ChildCommand } => ({
  node: { file: process.execPath, args: ["-e", "0"], env: context.env },
  skopush: { file: SKOPUSH_BIN, args: ["--version"], env: context.env },
});

const realSkopeo = (): string => execFileSync("sh", ["-c", "command -v skopeo"], { encoding: "utf8" }).trim();

/**
 * A directory holding a `skopeo` that runs `skopeo copy` with the row's private blob-info cache (like the
 * raw row) and anything else (the probe's `--version`) directly; put first on PATH for skopush native.
 */
export const privateSkopeoOnPath = async (rowDir: string): Promise<string> => {
  const bin = join(rowDir, "bin");
  await mkdir(bin, { recursive: true });
  const { file, args } = withPrivateCache(rowDir, []);
  const skopeo = realSkopeo();
  // withPrivateCache runs `skopeo` from PATH inside the namespace: point it at the real one.
  const quoted = [file, ...args].map((a) => `'${a.replaceAll("'", `'"'"'`).replace(/exec skopeo /, `exec ${skopeo} `)}'`).join(" ");
  await writeFile(join(bin, "skopeo"), `#!/bin/sh\n[ "$1" = copy ] || exec ${skopeo} "$@"\nexec ${quoted} "$@"\n`);
  await chmod(join(bin, "skopeo"), 0o755);
  return bin;
};

/** Raw `skopeo copy`, as in the main table, and `skopush push` with native and with registry, as users run them. */
export const startupPushers = async (context: StartupContext): Promise<ReadonlyArray<StartupPusher>> => {
  const skopeoDir = join(context.work, "skopeo copy");
  const nativeDir = join(context.work, "skopush native");
  const registryDir = join(context.work, "skopush registry");
  await Promise.all([skopeoDir, nativeDir, registryDir].map((dir) => mkdir(dir, { recursive: true })));
  const nativeBin = await privateSkopeoOnPath(nativeDir);
  const compileCache = join(context.work, "compile-cache");
  const skopushEnv = (extra: Record<string, string>) => ({ ...context.env, SKOPUSH_COMPILE_CACHE: compileCache, ...extra });
  const skopush = (destination: string, strategy: string): ReadonlyArray<string> => ["push", context.archive, destination, "--strategy", strategy, "--insecure", "-q"];
  return [
    {
      name: "skopeo copy",
      clearCaches: () => resetPrivateCache(skopeoDir),
      command: (destination) => ({
        ...withPrivateCache(skopeoDir, ["copy", "--quiet", "--dest-tls-verify=false", "--dest-no-creds", `docker-archive:${context.archive}`, `docker://${destination}`]),
        env: context.env,
      }),
    },
    {
      name: "skopush native",
      clearCaches: () => resetPrivateCache(nativeDir),
      command: (destination) => ({
        file: SKOPUSH_BIN,
        args: skopush(destination, "native"),
        env: skopushEnv({ PATH: `${nativeBin}:${context.env.PATH ?? "/usr/bin:/bin"}` }),
      }),
    },
    {
      name: "skopush registry",
      // The registry strategy's blob-info cache is $XDG_CACHE_HOME/skopush.
      clearCaches: () => rm(join(registryDir, "xdg"), { recursive: true, force: true }),
      command: (destination) => ({ file: SKOPUSH_BIN, args: skopush(destination, "registry"), env: skopushEnv({ XDG_CACHE_HOME: join(registryDir, "xdg") }) }),
    },
  ];
};
