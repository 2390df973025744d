import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadTestEnvironment, readManifest, type TestEnvironment } from "@skopush/testkit/environment";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueImage, uniqueRepository } from "../hardening/support.js";

// The `skopush` command in the clone (the package's bin, running the bundle) compresses with zstd on every
// Node it supports: node:zlib from 22.15, else @bokuweb/zstd-wasm, which the clone installs and the bundle
// leaves out. The bundle's payload is compiled with vm.Script, where a dynamic import() had no loader
// (red team of issue 16: on Node 20 "A dynamic import callback was not specified").
const BIN = fileURLToPath(new URL("../../bin/skopush.cjs", import.meta.url));

let env: TestEnvironment;
let dir: string;

beforeAll(async () => {
  env = await loadTestEnvironment();
  dir = await mkdtemp(join(tmpdir(), "skopush-command-zstd-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("skopush push --compression zstd, the installed command", () => {
  it(`pushes zstd layers with the registry strategy on Node ${process.version}`, async () => {
    const archive = (await uniqueImage(dir, "zstd")).path;
    const registry = env.registry("plain");
    const repository = uniqueRepository("command-zstd");
    const reference = `${registry.host}/${repository}:1`;
    const result = await promisify(execFile)(process.execPath, [BIN, "push", archive, reference, "--strategy", "registry", "--compression", "zstd", "--insecure", "-q"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, SKOPUSH_COMPILE_CACHE: "off" },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const stored = await readManifest(registry, repository, "1");
    expect(result.stdout).toBe(`${reference}@${stored.digest}\n`);
    const layers = stored.json.layers ?? [];
    expect(layers.length).toBeGreaterThan(0);
    expect(layers.map((layer) => layer.mediaType)).toEqual(layers.map(() => "application/vnd.oci.image.layer.v1.tar+zstd"));
  });
});
