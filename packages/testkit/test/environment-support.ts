import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestRegistry } from "@skopush/testkit/environment";
import { writeImageArchive } from "@skopush/testkit/fixtures";

const execFileAsync = promisify(execFile);

/** Runs a program without a shell; rejects with its stderr in the message. */
export const run = async (file: string, args: ReadonlyArray<string>): Promise<{ stdout: string; stderr: string }> => {
  try {
    return await execFileAsync(file, [...args], { maxBuffer: 16 << 20 });
  } catch (error) {
    const failed = error as Error & { stderr?: string; code?: number };
    throw Object.assign(new Error(`${file} ${args.join(" ")} failed (${failed.code}): ${failed.stderr ?? failed.message}`), {
      stderr: failed.stderr ?? "",
    });
  }
};

/** A fresh directory only its owner can enter. */
export const privateTempDir = async (prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o700);
  return dir;
};

/** A small docker-archive (what `docker save` writes), distinct per `seed`. */
export const writeSmokeArchive = async (path: string, seed: string): Promise<{ readonly configDigest: string }> =>
  writeImageArchive(path, {
    format: "docker-legacy",
    layers: 2,
    layerSize: 64 * 1024,
    compressibility: 0.5,
    seed,
    repoTags: [`skopush-smoke/${seed}:latest`],
  });

/** A tag no earlier run used, so a reused environment never shows an old push. */
export const uniqueTag = (label: string): string => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** The argv of a host skopeo push, and the digest skopeo wrote to its `--digestfile`. */
export interface HostPush {
  readonly argv: ReadonlyArray<string>;
  readonly digest: string;
}

/**
 * Pushes `archive` with the host's skopeo: HTTP with `--dest-tls-verify=false`, HTTPS through
 * `--dest-cert-dir` (unless `trustCa` is false), credentials through a 0600 authfile in a private temp dir
 * (never in argv), removed afterwards.
 */
export const pushWithHostSkopeo = async (
  archive: string,
  registry: TestRegistry,
  repository: string,
  tag: string,
  options: { readonly trustCa?: boolean } = {},
): Promise<HostPush> => {
  const dir = await privateTempDir("skopush-push-");
  try {
    const argv = ["copy", "--digestfile", join(dir, "digest")];
    if (registry.scheme === "http") argv.push("--dest-tls-verify=false");
    else if (options.trustCa !== false) argv.push("--dest-cert-dir", registry.certDir!);
    if (registry.credentials) {
      const authfile = join(dir, "auth.json");
      const auth = Buffer.from(`${registry.credentials.username}:${registry.credentials.password}`).toString("base64");
      await writeFile(authfile, JSON.stringify({ auths: { [registry.host]: { auth } } }), { mode: 0o600, flag: "wx" });
      argv.push("--dest-authfile", authfile);
    } else {
      argv.push("--dest-no-creds");
    }
    argv.push(`docker-archive:${archive}`, `docker://${registry.host}/${repository}:${tag}`);
    await run("skopeo", argv);
    return { argv, digest: (await readFile(join(dir, "digest"), "utf8")).trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
