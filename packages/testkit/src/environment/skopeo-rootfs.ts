import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/**
 * The shared objects an `ldd` listing names, including the dynamic loader; the vDSO (no path) is left
 * out. Throws when a library is `not found`.
 */
export const parseLddOutput = (output: string): ReadonlyArray<string> => {
  const paths: string[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("statically linked")) continue;
    const arrow = /^(\S+) => (.*)$/.exec(line);
    if (arrow) {
      if (arrow[2]!.startsWith("not found")) throw new Error(`ldd: ${arrow[1]} not found`);
      const target = /^(\/\S+)/.exec(arrow[2]!);
      if (target) paths.push(target[1]!);
      continue;
    }
    const loader = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (loader) paths.push(loader[1]!);
  }
  return [...new Set(paths)];
};

/**
 * Copies the host file `path` into the root filesystem `root` at the same path, recreating every symbolic
 * link on the way (`/lib -> usr/lib`, `libc.so.6 -> libc-2.36.so`) as a relative link inside `root`, so
 * that both the path a binary asks for and the real file exist. `hostRoot` lets tests use a fake host.
 */
export const copyIntoRoot = (path: string, root: string, hostRoot = "/"): void => {
  const host = (p: string) => join(hostRoot, p);
  const real = "/" + relative(realpathSync(hostRoot), realpathSync(host(path))).split(sep).join("/");
  const target = join(root, real);
  if (!existsSync(target)) {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(host(real), target);
    chmodSync(target, statSync(host(real)).mode & 0o7777);
  }
  // Walk `path` one component at a time; each host symlink becomes a link in `root` to its resolved place.
  let current = "/";
  for (const part of path.split("/").filter(Boolean)) {
    const next = current === "/" ? `/${part}` : `${current}/${part}`;
    if (!lstatSync(host(next)).isSymbolicLink()) {
      current = next;
      continue;
    }
    const resolved = "/" + relative(realpathSync(hostRoot), realpathSync(host(next))).split(sep).join("/");
    const link = join(root, next);
    if (!existsSync(link) && !isLink(link)) {
      mkdirSync(dirname(link), { recursive: true });
      if (statSync(host(resolved)).isDirectory()) mkdirSync(join(root, resolved), { recursive: true });
      symlinkSync(relative(dirname(next), resolved) || ".", link);
    }
    current = resolved;
  }
};

const isLink = (path: string): boolean => {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
};

/** The files the skopeo image needs besides binaries and libraries. */
export const SKOPEO_IMAGE_FILES: Readonly<Record<string, string>> = {
  "/etc/containers/policy.json": `${JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }, null, 2)}\n`,
  "/etc/containers/registries.conf": 'unqualified-search-registries = []\nshort-name-mode = "enforcing"\n',
  "/etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
  "/etc/passwd": "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  "/etc/group": "root:x:0:\nnogroup:x:65534:\n",
};

/** World-writable scratch directories (sticky): skopeo's temp files and the volume the strategies share. */
export const SKOPEO_IMAGE_SCRATCH_DIRS = ["/tmp", "/tmp/skopeo", "/var/tmp"] as const;

/** The public CA bundle, when the host has one; copied so TLS to registries with public certificates works. */
export const HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/**
 * Lays out, in the empty directory `root`, a minimal root filesystem for the skopeo image: the binaries
 * and every library `ldd` lists for them, the loader, the containers configuration, the CA bundle and
 * the scratch directories.
 */
export const writeSkopeoRootfs = (
  root: string,
  binaries: ReadonlyArray<string>,
  libraries: ReadonlyArray<string>,
): void => {
  for (const file of [...binaries, ...libraries]) copyIntoRoot(file, root);
  for (const [path, content] of Object.entries(SKOPEO_IMAGE_FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content, { mode: 0o644 });
  }
  for (const dir of ["/etc/containers/certs.d", "/etc/ssl/certs", "/root"]) mkdirSync(join(root, dir), { recursive: true });
  if (existsSync(HOST_CA_BUNDLE)) copyFileSync(HOST_CA_BUNDLE, join(root, HOST_CA_BUNDLE));
  for (const dir of SKOPEO_IMAGE_SCRATCH_DIRS) {
    mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, dir), 0o1777);
  }
};
