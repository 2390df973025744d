import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestRegistry } from "@skopush/testkit/environment";

const execFileAsync = promisify(execFile);

/** Runs the host's skopeo (no shell); rejects with its stderr in the message. */
export const skopeo = async (args: ReadonlyArray<string>): Promise<string> => {
  try {
    return (await execFileAsync("skopeo", [...args], { maxBuffer: 64 << 20 })).stdout;
  } catch (error) {
    const failed = error as Error & { stderr?: string; code?: number };
    throw new Error(`skopeo ${args.join(" ")} failed (${failed.code}): ${failed.stderr ?? failed.message}`);
  }
};

/**
 * Runs skopeo against `registry` with the flags its kind needs: `--tls-verify=false` for http,
 * `--cert-dir` for https, credentials through a 0600 authfile in a private temp dir (never argv).
 * `side` is `src` or `dest`: which end of a copy the registry is (`undefined` for inspect).
 */
export const withRegistryFlags = async <A>(
  registry: TestRegistry,
  side: "src" | "dest" | undefined,
  use: (flags: ReadonlyArray<string>) => Promise<A>,
): Promise<A> => {
  const dir = await mkdtemp(join(tmpdir(), "skopush-registry-skopeo-"));
  await chmod(dir, 0o700);
  const prefix = side === undefined ? "--" : `--${side}-`;
  try {
    const flags: string[] = [];
    if (registry.scheme === "http") flags.push(`${prefix}tls-verify=false`);
    else flags.push(`${prefix}cert-dir`, registry.certDir ?? "");
    if (registry.credentials) {
      const authfile = join(dir, "auth.json");
      const auth = Buffer.from(`${registry.credentials.username}:${registry.credentials.password}`).toString("base64");
      await writeFile(authfile, JSON.stringify({ auths: { [registry.host]: { auth } } }), { mode: 0o600, flag: "wx" });
      flags.push(side === undefined ? "--authfile" : `${prefix}authfile`, authfile);
    } else {
      flags.push(side === undefined ? "--no-creds" : `${prefix}no-creds`);
    }
    return await use(flags);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/** `skopeo inspect` of an image: its digest, layers and (with `raw`) the manifest itself. */
export const skopeoInspect = async (registry: TestRegistry, reference: string): Promise<{ Digest: string; Layers: string[] }> =>
  withRegistryFlags(registry, undefined, async (flags) => JSON.parse(await skopeo(["inspect", ...flags, `docker://${reference}`])) as { Digest: string; Layers: string[] });

/** The manifest skopeo reads, byte for byte. */
export const skopeoInspectRaw = async (registry: TestRegistry, reference: string): Promise<string> =>
  withRegistryFlags(registry, undefined, (flags) => skopeo(["inspect", "--raw", ...flags, `docker://${reference}`]));

/** `skopeo copy docker://… docker-archive:<out>`: what a pull of the pushed image gets. */
export const skopeoCopyToArchive = async (registry: TestRegistry, reference: string, out: string): Promise<void> => {
  await withRegistryFlags(registry, "src", (flags) => skopeo(["copy", ...flags, `docker://${reference}`, `docker-archive:${out}`]));
};

/** `skopeo copy docker-archive:<archive> docker://…`; answers the manifest digest skopeo wrote. */
export const skopeoPush = async (registry: TestRegistry, archive: string, reference: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "skopush-registry-digest-"));
  try {
    await withRegistryFlags(registry, "dest", (flags) =>
      skopeo(["copy", "--digestfile", join(dir, "digest"), ...flags, `docker-archive:${archive}`, `docker://${reference}`]),
    );
    return (await readFile(join(dir, "digest"), "utf8")).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
