import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeHostileArchive, writeImageArchive, type ImageArchiveMetadata, type ImageArchiveOptions } from "@skopush/testkit/fixtures";

// Real skopeo, docker and GNU tar: a missing binary makes these tests fail, never skip.
const exec = promisify(execFile);
const run = async (command: string, args: ReadonlyArray<string>): Promise<string> =>
  (await exec(command, [...args], { maxBuffer: 64 << 20, encoding: "utf8" })).stdout;
const runBuffer = async (command: string, args: ReadonlyArray<string>): Promise<Buffer> =>
  (await exec(command, [...args], { maxBuffer: 64 << 20, encoding: "buffer" })).stdout;
const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "skopush-fixtures-it-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const uniqueTag = () => `skopush-fixture-test/${randomUUID().replaceAll("-", "")}:t`;
const transportOf = (meta: ImageArchiveMetadata) => (meta.format === "oci-archive" ? "oci-archive" : "docker-archive");

const VARIANTS: ReadonlyArray<readonly [string, Omit<ImageArchiveOptions, "repoTags">]> = [
  ["docker-legacy", { format: "docker-legacy", layers: 3, layerSize: [2000, 0, 300_000] }],
  ["docker-legacy, gzip layers", { format: "docker-legacy", layers: 2, gzipLayers: true, compressibility: 0.5 }],
  ["docker-legacy, duplicate layer as symlink", { format: "docker-legacy", layers: 3, duplicateLayer: true }],
  ["docker-legacy, gzip-compressed archive", { format: "docker-legacy", layers: 2, compress: "gzip" }],
  ["docker-oci", { format: "docker-oci", layers: 3 }],
  ["docker-oci, containerd store (gzip layers, image index)", { format: "docker-oci", layers: 2, gzipLayers: true, imageIndex: true }],
  ["oci-archive", { format: "oci-archive", layers: 3, compressibility: "compressible", layerSize: 200_000 }],
  ["oci-archive, uncompressed layers", { format: "oci-archive", layers: 2, gzipLayers: false }],
  ["oci-archive, image index", { format: "oci-archive", layers: 2, imageIndex: true }],
];

// skopeo 1.9.3 cannot read a gzip-compressed docker-archive from a file (containers/image 5.23 re-reads
// the file after sniffing it); the archive package's uncompressedPath is the workaround, tested there.
describe("skopeo 1.9 reads every generated format", () => {
  it.each(VARIANTS.filter(([, options]) => options.compress !== "gzip"))("%s", async (name, options) => {
    const meta = await writeImageArchive(join(directory, `${randomUUID()}.tar`), { ...options, seed: name, repoTags: [uniqueTag()] });
    const reference = `${transportOf(meta)}:${meta.path}`;
    const docker = meta.format !== "oci-archive";

    const inspected = JSON.parse(await run("skopeo", ["inspect", reference])) as { Layers: string[]; Architecture: string };
    // skopeo serves a docker-archive's layers uncompressed, named by diff_id; an oci-archive's as stored.
    expect(inspected.Layers).toEqual(docker ? meta.diffIds : meta.layers.map((layer) => layer.digest));
    expect(inspected.Architecture).toBe("amd64");

    const config = await runBuffer("skopeo", ["inspect", "--config", "--raw", reference]);
    expect(sha256(config)).toBe(meta.configDigest);

    const raw = await runBuffer("skopeo", ["inspect", "--raw", reference]);
    if (docker) {
      const manifest = JSON.parse(raw.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
      expect(manifest.config.digest).toBe(meta.configDigest);
      expect(manifest.layers.map((layer) => layer.digest)).toEqual(meta.diffIds);
    } else {
      expect(sha256(raw)).toBe(meta.indexDigest ?? meta.manifestDigest);
    }

    // A copy reads every blob and checks it against its digest.
    const copied = join(directory, randomUUID());
    await run("skopeo", ["copy", "--quiet", reference, `dir:${copied}`]);
    const files = await readdir(copied);
    const expectedBlobs = docker ? meta.diffIds : meta.layers.map((layer) => layer.digest);
    for (const digest of expectedBlobs) expect(files).toContain(digest.slice("sha256:".length));
    expect(files).toContain(meta.configDigest.slice("sha256:".length));
  });

  it("reads a Docker 25+ archive also as an oci-archive, with the same manifest", async () => {
    const meta = await writeImageArchive(join(directory, "docker-oci-as-oci.tar"), { format: "docker-oci", layers: 2, seed: "as-oci", repoTags: [uniqueTag()] });
    const raw = await runBuffer("skopeo", ["inspect", "--raw", `oci-archive:${meta.path}`]);
    expect(sha256(raw)).toBe(meta.manifestDigest);
  });
});

describe("docker load accepts the docker formats", () => {
  const loaded: string[] = [];
  afterAll(async () => {
    for (const tag of loaded) await run("docker", ["rmi", "--force", tag]).catch(() => undefined);
  });

  it.each(VARIANTS.filter(([, options]) => options.format !== "oci-archive"))("%s", async (name, options) => {
    const tag = uniqueTag();
    const meta = await writeImageArchive(join(directory, `${randomUUID()}.tar`), { ...options, seed: `load ${name}`, repoTags: [tag] });
    loaded.push(tag);
    const output = await run("docker", ["load", "--input", meta.path]);
    expect(output).toContain(`Loaded image: ${tag}`);
    const inspected = JSON.parse(await run("docker", ["image", "inspect", tag])) as Array<{ Id: string; RootFS: { Layers: string[] } }>;
    expect(inspected[0]?.Id).toBe(meta.configDigest);
    expect(inspected[0]?.RootFS.Layers).toEqual(meta.diffIds);
    await run("docker", ["rmi", tag]);
    loaded.splice(loaded.indexOf(tag), 1);
  });
});

describe("GNU tar reads the archives and the layers inside them", () => {
  it("lists the layout and extracts layer tars holding the generated file", async () => {
    const meta = await writeImageArchive(join(directory, "gnu.tar"), { format: "oci-archive", layers: 2, layerSize: [1234, 99_999], seed: "gnu" });
    const listing = await run("tar", ["-tf", meta.path]);
    expect(listing.split("\n").filter(Boolean)).toEqual(
      expect.arrayContaining(["oci-layout", "index.json", ...meta.layers.map((layer) => layer.path)]),
    );
    const extracted = join(directory, "gnu-extracted");
    await mkdir(extracted);
    await run("tar", ["-xf", meta.path, "-C", extracted]);
    for (const [i, layer] of meta.layers.entries()) {
      await run("gzip", ["-t", join(extracted, layer.path)]);
      const inner = await run("tar", ["-tvzf", join(extracted, layer.path)]);
      expect(inner).toMatch(new RegExp(`${[1234, 99_999][i]} 2024-01-01 00:00 data/gnu-${i}\\.bin`));
    }
  });

  it("the zstd hostile archive is real zstd around a real tar", async () => {
    const hostile = await writeHostileArchive(join(directory, "zstd.tar.zst"), "zstd-compressed");
    const tar = await runBuffer("unzstd", ["-c", hostile.path]);
    const plain = join(directory, "from-zstd.tar");
    await writeFile(plain, tar);
    expect(await run("tar", ["-tf", plain])).toContain("manifest.json");
    expect((await readFile(plain)).length).toBe(tar.length);
  });
});
