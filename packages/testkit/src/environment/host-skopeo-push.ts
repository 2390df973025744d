import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RegistryCredentials } from "./htpasswd.js";
import type { TestRegistry } from "./state.js";

/** What {@link hostSkopeoPush} pushes where, and as whom. */
export interface HostSkopeoPush {
  /** A `docker-archive` tarball. */
  readonly archive: string;
  readonly registry: Pick<TestRegistry, "host" | "scheme" | "certDir">;
  readonly repository: string;
  readonly tag: string;
  /** Written to a 0600 authfile in a private temp dir, never to argv. @default anonymous (`--dest-no-creds`) */
  readonly credentials?: RegistryCredentials | undefined;
}

/** The argv skopeo ran with, and the digest it wrote to its `--digestfile`. */
export interface HostSkopeoPushResult {
  readonly argv: ReadonlyArray<string>;
  readonly digest: string;
}

/**
 * Pushes with the host's skopeo: `--dest-cert-dir` for HTTPS, `--dest-tls-verify=false` for HTTP, and
 * credentials only through `--dest-authfile` (a 0600 file created exclusively in a 0700 temp dir, removed
 * afterwards, whatever happens). Rejects with skopeo's stderr when it fails.
 */
export const hostSkopeoPush = async (push: HostSkopeoPush): Promise<HostSkopeoPushResult> => {
  const dir = await mkdtemp(join(tmpdir(), "skopush-host-push-"));
  try {
    await chmod(dir, 0o700);
    const argv = ["copy", "--digestfile", join(dir, "digest")];
    if (push.registry.scheme === "http") argv.push("--dest-tls-verify=false");
    else if (push.registry.certDir) argv.push("--dest-cert-dir", push.registry.certDir);
    if (push.credentials) {
      const authfile = join(dir, "auth.json");
      const auth = Buffer.from(`${push.credentials.username}:${push.credentials.password}`).toString("base64");
      await writeFile(authfile, JSON.stringify({ auths: { [push.registry.host]: { auth } } }), { mode: 0o600, flag: "wx" });
      argv.push("--dest-authfile", authfile);
    } else {
      argv.push("--dest-no-creds");
    }
    argv.push(`docker-archive:${push.archive}`, `docker://${push.registry.host}/${push.repository}:${push.tag}`);
    await new Promise<void>((resolve, reject) => {
      execFile("skopeo", argv, { maxBuffer: 16 << 20, timeout: 300_000 }, (error, _stdout, stderr) => {
        if (error) reject(Object.assign(new Error(`skopeo ${argv.join(" ")} failed: ${stderr || error.message}`), { stderr }));
        else resolve();
      });
    });
    return { argv, digest: (await readFile(join(dir, "digest"), "utf8")).trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
