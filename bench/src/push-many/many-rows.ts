import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ChildCommand } from "../bench-row.js";
import { resetPrivateCache, writePrivateCacheSkopeo } from "../private-skopeo-cache.js";
import { privateSkopeoOnPath, SKOPUSH_BIN } from "../startup/startup-commands.js";

/** One way to push the whole list of images, as a CI job would. */
export interface ManyRow {
  readonly name: string;
  /** Whether its JSON report on stdout names the strategies used (the skopush rows). */
  readonly reports: boolean;
  /** Empties its caches, so the run starts as on a fresh machine. */
  clearCaches(): Promise<void>;
  command(files: { readonly plan: string; readonly list: string }): ChildCommand;
}

/** Concurrency of `push-many` (its default) and of the `xargs -P` row. */
export const MANY_CONCURRENCY = 3;

/** The rows: `skopush push-many` (registry, default chain) and a shell script of `skopeo copy` processes (one after another, and `xargs -P 3`). */
export const manyRows = async (work: string, env: Readonly<Record<string, string>>): Promise<ReadonlyArray<ManyRow>> => {
  const dirs = {
    registry: join(work, "push-many registry"),
    chain: join(work, "push-many chain"),
    sequential: join(work, "skopeo sequential"),
    xargs: join(work, "skopeo xargs"),
  };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  const chainBin = await privateSkopeoOnPath(dirs.chain);
  const compileCache = join(work, "compile-cache");
  /** `skopeo copy` of one `archive destination` pair with the row's private blob-info cache, as a script line would run it. */
  const copyOne = async (dir: string): Promise<string> => {
    const skopeo = await writePrivateCacheSkopeo(dir);
    const script = join(dir, "copy-one.sh");
    await writeFile(script, `#!/bin/sh\nexec '${skopeo}' copy --quiet --dest-tls-verify=false --dest-no-creds "docker-archive:$1" "docker://$2"\n`);
    await chmod(script, 0o755);
    return script;
  };
  const sequentialCopy = await copyOne(dirs.sequential);
  const xargsCopy = await copyOne(dirs.xargs);
  const skopush = (dir: string, plan: string, strategy: ReadonlyArray<string>, extra: Record<string, string>): ChildCommand => ({
    file: SKOPUSH_BIN,
    args: ["push-many", plan, ...strategy, "--concurrency", String(MANY_CONCURRENCY), "--insecure", "--json", "-q"],
    env: { ...env, SKOPUSH_COMPILE_CACHE: compileCache, XDG_CACHE_HOME: join(dir, "xdg"), ...extra },
  });
  const clearSkopush = (dir: string) => rm(join(dir, "xdg"), { recursive: true, force: true });
  return [
    {
      name: "skopush push-many, registry",
      reports: true,
      clearCaches: () => clearSkopush(dirs.registry),
      command: ({ plan }) => skopush(dirs.registry, plan, ["--strategy", "registry"], {}),
    },
    {
      name: "skopush push-many, default chain",
      reports: true,
      clearCaches: async () => {
        await clearSkopush(dirs.chain);
        await resetPrivateCache(dirs.chain);
      },
      command: ({ plan }) => skopush(dirs.chain, plan, [], { PATH: `${chainBin}:${env.PATH ?? "/usr/bin:/bin"}` }),
    },
    {
      name: "skopeo copy × N, one after another",
      reports: false,
      clearCaches: () => resetPrivateCache(dirs.sequential),
      command: ({ list }) => ({ file: "sh", args: ["-c", `while read -r a d; do '${sequentialCopy}' "$a" "$d" </dev/null || exit 1; done < '${list}'`], env }),
    },
    {
      name: `skopeo copy × N, xargs -P ${MANY_CONCURRENCY}`,
      reports: false,
      clearCaches: () => resetPrivateCache(dirs.xargs),
      command: ({ list }) => ({ file: "xargs", args: ["-a", list, "-P", String(MANY_CONCURRENCY), "-n", "2", xargsCopy], env }),
    },
  ];
};
