import { execFileSync } from "node:child_process";
import { mkdir, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { expectSaysWhatToDo } from "@skopush/testkit/contracts";
import { HOSTILE_ARCHIVE_KINDS, writeHostileArchive, writeImageArchive } from "@skopush/testkit/fixtures";
import { OPTION_PHRASES, withSettingPhrases, type SettingPhrases } from "@skopush/core";
import { Effect, Exit } from "effect";
import { openImageArchive } from "../src/index.js";
import { archiveInvalid, extractTar, runScoped, succeeded, useTempDirectory } from "./support.js";

const temp = useTempDirectory();

const open = (path: string, options: Parameters<typeof openImageArchive>[1] = {}) => runScoped(openImageArchive(path, options));

const openAndVerify = (path: string) =>
  runScoped(
    Effect.gen(function* () {
      const archive = yield* openImageArchive(path);
      for (const layer of archive.layers) yield* layer.verify();
      return archive;
    }),
  );

describe("hostile and malformed archives fail with ArchiveInvalid", () => {
  it.each(HOSTILE_ARCHIVE_KINDS)("%s", async (kind) => {
    const tempRoot = temp(`${kind}-tmp`);
    await mkdir(tempRoot);
    const hostile = await writeHostileArchive(temp(`${kind}.tar`), kind);
    if (hostile.detectedWhen === "verify") succeeded(await open(hostile.path, { tempDirectory: tempRoot }));
    const exit = hostile.detectedWhen === "open" ? await open(hostile.path, { tempDirectory: tempRoot }) : await openAndVerify(hostile.path);
    const error = archiveInvalid(exit);
    expect(error.path).toBe(hostile.path);
    for (const mention of hostile.mentions) expect(error.message.toLowerCase()).toContain(mention.toLowerCase());
    expect(error.message).toMatch(/^\[skopush\] archive /);
    expectSaysWhatToDo(error);
    // Nothing is left behind, not even for a gzip archive that failed after decompression.
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it("a missing path", async () => {
    const error = archiveInvalid(await open(temp("does-not-exist.tar")));
    expect(error.reason).toBe("does not exist");
    expectSaysWhatToDo(error);
  });

  it("a directory that is not an OCI layout", async () => {
    const directory = temp("plain-directory");
    await mkdir(directory);
    await writeFile(temp("plain-directory", "readme"), "hi");
    expect(archiveInvalid(await open(directory)).reason).toMatch(/is a directory, not an image archive nor an OCI layout/);
  });

  it("a directory holding an unpacked docker save", async () => {
    const directory = temp("unpacked");
    await mkdir(directory);
    await writeFile(temp("unpacked", "manifest.json"), "[]");
    expect(archiveInvalid(await open(directory)).reason).toMatch(/unpacked docker save/);
  });

  it("something that is neither a file nor a directory", async () => {
    const fifo = temp("fifo");
    execFileSync("mkfifo", [fifo]);
    expect(archiveInvalid(await open(fifo)).reason).toBe("is not a regular file");
  });

  it("an archive of the wrong explicit format", async () => {
    const legacy = await writeImageArchive(temp("legacy-as-oci.tar"), { format: "docker-legacy", seed: "fmt-1" });
    const asOci = archiveInvalid(await open(legacy.path, { format: "oci-archive" }));
    expect(asOci.reason).toBe("has no index.json, so it is not an oci-archive");
    expect(asOci.fix).toMatch(/it is a docker-archive/);
    const oci = await writeImageArchive(temp("oci-as-docker.tar"), { format: "oci-archive", seed: "fmt-2" });
    const asDocker = archiveInvalid(await open(oci.path, { format: "docker-archive" }));
    expect(asDocker.reason).toBe("has no manifest.json, so it is not a docker-archive");
    expect(asDocker.fix).toMatch(/push it as oci-archive/);
  });

  it("a symlink in an OCI layout directory that points outside it", async () => {
    const meta = await writeImageArchive(temp("escape-src.tar"), { format: "oci-archive", seed: "dir-escape", gzipLayers: false });
    const directory = temp("escape-layout");
    await mkdir(directory);
    await extractTar(meta.path, directory);
    const layer = meta.layers[0];
    if (!layer) throw new Error("no layer");
    const outside = temp("outside-secret");
    await writeFile(outside, "secret");
    await rm(temp("escape-layout", layer.path));
    await symlink(outside, temp("escape-layout", layer.path));
    expect(archiveInvalid(await open(directory)).reason).toMatch(/is a link that escapes the directory/);
  });
});

describe("selecting one image", () => {
  it("an archive with several images needs a selector, by RepoTag (normalised) or index", async () => {
    const hostile = await writeHostileArchive(temp("several.tar"), "several-images");
    const byTag = succeeded(await open(hostile.path, { selector: { reference: "docker.io/hostile/two:v1" } }));
    expect(byTag.repoTags).toEqual(["hostile/two:v1"]);
    const byIndex = succeeded(await open(hostile.path, { selector: { index: 0 } }));
    expect(byIndex.repoTags).toEqual(["hostile/one:v1"]);
    expect(archiveInvalid(await open(hostile.path, { selector: { reference: "hostile/three:v1" } })).reason).toBe(
      "holds no image tagged hostile/three:v1; it holds hostile/one:v1, hostile/two:v1",
    );
    expect(archiveInvalid(await open(hostile.path, { selector: { index: 5 } })).reason).toBe("has no image #5; manifest.json lists 2");
  });

  it("without a selector, the image named like the destination is chosen; no match refuses with the list", async () => {
    const hostile = await writeHostileArchive(temp("several-dest.tar"), "several-images");
    const two = succeeded(await open(hostile.path, { destination: { repository: "team/two", tag: "v1" } }));
    expect([two.repoTags, two.chosenName]).toEqual([["hostile/two:v1"], "hostile/two:v1"]);
    const one = succeeded(await open(hostile.path, { destination: { repository: "hostile/one", tag: "v1" } }));
    expect(one.chosenName).toBe("hostile/one:v1");
    const none = archiveInvalid(await open(hostile.path, { destination: { repository: "hostile/one", tag: "v2" } }));
    expect(none.reason).toBe("holds 2 images (hostile/one:v1, hostile/two:v1), and hostile/one:v2 does not name exactly one of them");
    // In the caller's language: a library caller is told about the image option, never a CLI flag (red team of issue 16).
    expect(none.fix).toContain("the image option");
    expect(none.fix).not.toContain("--");
    const phrases = Object.fromEntries(Object.keys(OPTION_PHRASES).map((id) => [id, () => `--flag-for-${id}`])) as unknown as SettingPhrases;
    const asCli = archiveInvalid(await withSettingPhrases(phrases, () => open(hostile.path, { destination: { repository: "hostile/one", tag: "v2" } })));
    expect(asCli.fix).toContain("--flag-for-archiveImage");
    expect(asCli.fix).not.toContain("image option");
    const oci = await writeImageArchive(temp("dest-oci.tar"), { format: "oci-archive", seed: "dest", repoTags: ["v1"] });
    expect(succeeded(await open(oci.path, { destination: { repository: "p/app", tag: "v1" } })).chosenName).toBeUndefined();
  });

  it("an oci-archive is selected by ref name, or by the full name Docker 25+ records", async () => {
    const oci = await writeImageArchive(temp("select-oci.tar"), { format: "oci-archive", seed: "sel", repoTags: ["proj/app:v1"] });
    expect(succeeded(await open(oci.path, { selector: { reference: "proj/app:v1" } })).refNames).toEqual(["proj/app:v1"]);
    const docker = await writeImageArchive(temp("select-docker-oci.tar"), { format: "docker-oci", seed: "sel", repoTags: ["proj/app:v1"] });
    const asOci = await open(docker.path, { format: "oci-archive", selector: { reference: "docker.io/proj/app:v1" } });
    expect(succeeded(asOci).manifest?.digest).toBe(docker.manifestDigest);
    expect(archiveInvalid(await open(oci.path, { selector: { reference: "other:v1" } })).reason).toBe(
      "holds no image named other:v1; it holds proj/app:v1",
    );
  });

  it("one image under several names is still one image", async () => {
    const oci = await writeImageArchive(temp("two-names.tar"), { format: "oci-archive", seed: "names", repoTags: ["a:v1", "b:v2"] });
    expect(succeeded(await open(oci.path)).refNames).toEqual(["a:v1", "b:v2"]);
  });

  it("an image index picks the platform whose blobs are present, or the one asked for", async () => {
    const meta = await writeImageArchive(temp("platforms.tar"), { format: "oci-archive", seed: "plat", imageIndex: true });
    expect(succeeded(await open(meta.path)).manifest?.digest).toBe(meta.manifestDigest);
    expect(succeeded(await open(meta.path, { platform: "linux/amd64" })).manifest?.digest).toBe(meta.manifestDigest);
    expect(archiveInvalid(await open(meta.path, { platform: "linux/arm64" })).reason).toMatch(/lists linux\/arm64\/v8, but the blobs of every one are absent/);
    expect(archiveInvalid(await open(meta.path, { platform: "windows/amd64" })).reason).toMatch(/has no image for windows\/amd64/);
  });

  it("an image index with every platform present is read whole; a platform option picks one", async () => {
    const platforms = [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64", variant: "v8" }];
    const meta = await writeImageArchive(temp("multi.tar"), { format: "oci-archive", seed: "multi", layers: 2, platforms });
    const images = meta.images ?? [];
    expect(images).toHaveLength(2);
    expect(images[0]?.layers.map((l) => l.digest)).not.toContain(images[1]?.layers[0]?.digest);
    const whole = succeeded(await open(meta.path));
    expect(whole.index?.digest).toBe(meta.indexDigest);
    expect(whole.index?.images.map((image) => [image.platform, image.manifest.digest, image.config.digest, image.layers.map((l) => l.digest)])).toEqual(
      images.map((image) => [[image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join("/"), image.manifestDigest, image.configDigest, image.layers.map((l) => l.digest)]),
    );
    expect(whole.totalBytes).toBe(images.reduce((sum, image) => sum + image.layers.reduce((n, l) => n + l.size, 0), 0) + (whole.index?.images ?? []).reduce((n, i) => n + i.config.size, 0));
    const arm = succeeded(await open(meta.path, { platform: "linux/arm64" }));
    expect(arm.index).toBeUndefined();
    expect(arm.manifest?.digest).toBe(images[1]?.manifestDigest);
    expect(archiveInvalid(await open(meta.path, { platform: "linux/s390x" })).reason).toMatch(/has no image for linux\/s390x; it lists linux\/amd64, linux\/arm64\/v8/);
  });
});

describe("OCI layout directories", () => {
  it("reads an OCI layout directory like the archive it was extracted from", async () => {
    const meta = await writeImageArchive(temp("layout-src.tar"), { format: "oci-archive", layers: 2, seed: "layout" });
    const directory = temp("layout");
    await mkdir(directory);
    await extractTar(meta.path, directory);
    const exit = await runScoped(
      Effect.gen(function* () {
        const archive = yield* openImageArchive(directory);
        for (const layer of archive.layers) yield* layer.verify();
        return archive;
      }),
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    const archive = succeeded(exit);
    expect(archive).toMatchObject({ format: "oci-archive", layout: "oci-directory", refNames: meta.refNames });
    expect(archive.manifest?.digest).toBe(meta.manifestDigest);
    expect(archive.layers.map((layer) => layer.digest)).toEqual(meta.layers.map((layer) => layer.digest));
  });
});
