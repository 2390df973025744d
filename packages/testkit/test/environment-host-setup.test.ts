import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { aptInstallCommand, findTool, missingTools, REQUIRED_TOOLS } from "../src/environment/install.js";
import { importArguments, parseSkopeoVersion, SKOPEO_IMAGE } from "../src/environment/skopeo-image.js";
import { copyIntoRoot, parseLddOutput } from "../src/environment/skopeo-rootfs.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "skopush-host-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// `ldd /usr/bin/skopeo` on Debian 12.
const SKOPEO_LDD = `	linux-vdso.so.1 (0x00007ffd6a7f5000)
	libgpgme.so.11 => /lib/x86_64-linux-gnu/libgpgme.so.11 (0x00007f79a0d43000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f79a0af4000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f79a0daa000)
	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f79a0978000)
`;

describe("parseLddOutput", () => {
  it("lists the libraries and the loader, not the vDSO", () => {
    expect(parseLddOutput(SKOPEO_LDD)).toEqual([
      "/lib/x86_64-linux-gnu/libgpgme.so.11",
      "/lib/x86_64-linux-gnu/libc.so.6",
      "/lib64/ld-linux-x86-64.so.2",
      "/lib/x86_64-linux-gnu/libm.so.6",
    ]);
  });

  it("fails on a missing library, and gives nothing for a static binary", () => {
    expect(() => parseLddOutput("\tlibgpgme.so.11 => not found\n")).toThrow(/libgpgme.so.11 not found/);
    expect(parseLddOutput("\tstatically linked\n")).toEqual([]);
  });
});

describe("copyIntoRoot", () => {
  it("recreates the host's directory and library links as relative links inside the root", () => {
    const host = join(dir, "host");
    mkdirSync(join(host, "usr/lib/x86_64-linux-gnu"), { recursive: true });
    mkdirSync(join(host, "usr/lib64"), { recursive: true });
    symlinkSync("usr/lib", join(host, "lib"));
    symlinkSync("usr/lib64", join(host, "lib64"));
    writeFileSync(join(host, "usr/lib/x86_64-linux-gnu/libgpgme.so.11.30.0"), "gpgme", { mode: 0o644 });
    symlinkSync("libgpgme.so.11.30.0", join(host, "usr/lib/x86_64-linux-gnu/libgpgme.so.11"));
    writeFileSync(join(host, "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), "loader", { mode: 0o755 });
    symlinkSync("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", join(host, "usr/lib64/ld-linux-x86-64.so.2"));
    const root = join(dir, "root");

    copyIntoRoot("/lib/x86_64-linux-gnu/libgpgme.so.11", root, host);
    copyIntoRoot("/lib64/ld-linux-x86-64.so.2", root, host);

    expect(readlinkSync(join(root, "lib"))).toBe("usr/lib");
    expect(readlinkSync(join(root, "lib64"))).toBe("usr/lib64");
    expect(readlinkSync(join(root, "usr/lib/x86_64-linux-gnu/libgpgme.so.11"))).toBe("libgpgme.so.11.30.0");
    expect(readlinkSync(join(root, "usr/lib64/ld-linux-x86-64.so.2"))).toBe("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    expect(readFileSync(join(root, "lib/x86_64-linux-gnu/libgpgme.so.11"), "utf8")).toBe("gpgme");
    expect(readFileSync(join(root, "lib64/ld-linux-x86-64.so.2"), "utf8")).toBe("loader");
    expect(statSync(join(root, "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(root, "usr/lib/x86_64-linux-gnu")).isDirectory()).toBe(true);
  });

  it("copies a file twice without complaint", () => {
    const host = join(dir, "host");
    mkdirSync(join(host, "usr/bin"), { recursive: true });
    writeFileSync(join(host, "usr/bin/skopeo"), "bin", { mode: 0o755 });
    copyIntoRoot("/usr/bin/skopeo", join(dir, "root"), host);
    copyIntoRoot("/usr/bin/skopeo", join(dir, "root"), host);
    expect(readFileSync(join(dir, "root/usr/bin/skopeo"), "utf8")).toBe("bin");
  });
});

describe("the skopeo image", () => {
  it("is imported with the resident command and the version label", () => {
    expect(importArguments("/w/rootfs.tar", "1.9.3")).toEqual([
      "import",
      "--change",
      'CMD ["tail","-f","/dev/null"]',
      "--change",
      "LABEL org.skopush.skopeo-version=1.9.3",
      "--change",
      "LABEL org.skopush.image-revision=2",
      "--message",
      "skopeo 1.9.3 from the host, for skopush",
      "/w/rootfs.tar",
      SKOPEO_IMAGE,
    ]);
  });

  it("reads skopeo's version", () => {
    expect(parseSkopeoVersion("skopeo version 1.9.3\n")).toBe("1.9.3");
    expect(parseSkopeoVersion("skopeo version 1.14.2 commit: abc\n")).toBe("1.14.2");
    expect(parseSkopeoVersion("nope")).toBeUndefined();
  });
});

describe("host tools", () => {
  it("maps each missing tool to its Debian package, once per package", () => {
    const present = new Set(["tar", "ldd", "tail", "sh", "rm", "openssl", "ip", "setpriv", "script", "zsh", "fish"]);
    const missing = missingTools((name) => (present.has(name) ? `/usr/bin/${name}` : undefined));
    expect(missing.tools).toEqual(["docker", "dockerd", "skopeo", "docker-registry", "htpasswd", "useradd"]);
    expect(missing.packages).toEqual(["docker.io", "skopeo", "docker-registry", "apache2-utils", "passwd"]);
  });

  it("needs nothing when everything is found", () => {
    expect(missingTools(() => "/bin/x")).toEqual({ tools: [], packages: [] });
  });

  it("tells a non-root user the exact command", () => {
    expect(aptInstallCommand(["docker.io", "skopeo"])).toBe(
      "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io skopeo",
    );
  });

  it("finds executables on PATH only", () => {
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin/skopush-probe-tool"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(join(dir, "bin/skopush-not-executable"), "", { mode: 0o644 });
    expect(findTool("skopush-probe-tool", join(dir, "bin"))).toBe(join(dir, "bin/skopush-probe-tool"));
    expect(findTool("skopush-not-executable", join(dir, "bin"))).toBeUndefined();
  });

  it("covers the programs the brief names", () => {
    expect(Object.keys(REQUIRED_TOOLS)).toEqual(expect.arrayContaining(["docker", "dockerd", "skopeo", "docker-registry", "openssl", "htpasswd"]));
  });
});
