import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { access, link, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { writeImageArchive } from "@skopush/testkit/fixtures";
import { Effect } from "effect";
import { openImageArchive, type ImageArchive } from "../src/index.js";
import { resolveInTar } from "../src/tar-files.js";
import { indexTar } from "../src/tar-index.js";
import { runScoped, succeeded, useTempDirectory } from "./support.js";

// Real docker, skopeo and GNU tar: a missing binary makes these tests fail, never skip.
const exec = promisify(execFile);
const run = async (command: string, args: ReadonlyArray<string>): Promise<string> =>
  (await exec(command, [...args], { maxBuffer: 64 << 20, encoding: "utf8" })).stdout;
const runBuffer = async (command: string, args: ReadonlyArray<string>): Promise<Buffer> =>
  (await exec(command, [...args], { maxBuffer: 64 << 20, encoding: "buffer" })).stdout;
const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const uniqueTag = () => `skopush-fixture-test/${randomUUID().replaceAll("-", "")}:t`;

const temp = useTempDirectory();

/** Opens the archive, verifies every layer, and returns it (the scope is closed: only metadata is used). */
const openVerified = async (path: string, options: Parameters<typeof openImageArchive>[1] = {}): Promise<ImageArchive> =>
  succeeded(
    await runScoped(
      Effect.gen(function* () {
        const archive = yield* openImageArchive(path, options);
        for (const layer of archive.layers) yield* layer.verify();
        return archive;
      }),
    ),
  );

describe("reads what docker and skopeo write", () => {
  const loaded: string[] = [];
  afterAll(async () => {
    for (const tag of loaded) await run("docker", ["rmi", "--force", tag]).catch(() => undefined);
  });

  it("docker save (this daemon's format) of a loaded image", async () => {
    const tag = uniqueTag();
    const meta = await writeImageArchive(temp("to-load.tar"), { format: "docker-oci", layers: 3, layerSize: [100, 200_000, 0], seed: "docker-save", repoTags: [tag] });
    loaded.push(tag);
    await run("docker", ["load", "--input", meta.path]);
    const saved = temp("saved.tar");
    await run("docker", ["save", "--output", saved, tag]);
    const archive = await openVerified(saved);
    expect(archive.format).toBe("docker-archive");
    expect(["docker-legacy", "docker-oci"]).toContain(archive.layout);
    expect(archive.repoTags).toEqual([tag]);
    expect(archive.config.digest).toBe(meta.configDigest);
    expect(archive.config.diffIds).toEqual(meta.diffIds);
    expect(archive.layers.map((layer) => layer.compression)).toEqual(["none", "none", "none"]);
  });

  it("docker save of two images needs a selector, as skopeo does", async () => {
    const tags = [uniqueTag(), uniqueTag()];
    const metas = [];
    for (const [i, tag] of tags.entries()) {
      const meta = await writeImageArchive(temp(`two-${i}.tar`), { format: "docker-legacy", seed: `two-${i}`, repoTags: [tag] });
      loaded.push(tag);
      await run("docker", ["load", "--input", meta.path]);
      metas.push(meta);
    }
    const saved = temp("saved-two.tar");
    await run("docker", ["save", "--output", saved, ...tags]);
    const unselected = await runScoped(openImageArchive(saved));
    expect(unselected._tag).toBe("Failure");
    const second = await openVerified(saved, { selector: { reference: tags[1] as string } });
    expect(second.config.digest).toBe(metas[1]?.configDigest);
  });

  it("skopeo copy to oci-archive and to an OCI layout directory", async () => {
    const meta = await writeImageArchive(temp("for-skopeo.tar"), { format: "docker-legacy", layers: 2, layerSize: 50_000, seed: "skopeo-oci" });
    const ociArchive = temp("skopeo.oci.tar");
    await run("skopeo", ["copy", "--quiet", `docker-archive:${meta.path}`, `oci-archive:${ociArchive}:proj/app:v1`]);
    const layoutDirectory = temp("skopeo-layout");
    await run("skopeo", ["copy", "--quiet", `docker-archive:${meta.path}`, `oci:${layoutDirectory}:v1`]);
    for (const [reference, path, layout, refName] of [
      [`oci-archive:${ociArchive}`, ociArchive, "oci-archive", "proj/app:v1"],
      [`oci:${layoutDirectory}`, layoutDirectory, "oci-directory", "v1"],
    ] as const) {
      const archive = await openVerified(path);
      expect(archive).toMatchObject({ format: "oci-archive", layout, refNames: [refName] });
      const rawManifest = await runBuffer("skopeo", ["inspect", "--raw", reference]);
      expect(archive.manifest?.digest).toBe(sha256(rawManifest));
      expect(Buffer.from(archive.manifest?.bytes ?? [])).toEqual(rawManifest);
      const inspected = JSON.parse(await run("skopeo", ["inspect", reference])) as { Layers: string[] };
      expect(archive.layers.map((layer) => layer.digest)).toEqual(inspected.Layers);
      expect(archive.config.diffIds).toEqual(meta.diffIds);
      expect(archive.layers.map((layer) => layer.compression)).toEqual(["gzip", "gzip"]);
    }
  });

  it("skopeo copy to docker-archive", async () => {
    const meta = await writeImageArchive(temp("oci-for-skopeo.tar"), { format: "oci-archive", layers: 2, seed: "skopeo-docker" });
    const dockerArchive = temp("skopeo.docker.tar");
    await run("skopeo", ["copy", "--quiet", `oci-archive:${meta.path}`, `docker-archive:${dockerArchive}:proj/app:v2`]);
    // skopeo records the normalised name; a selector in familiar form still finds it.
    const archive = await openVerified(dockerArchive, { selector: { reference: "proj/app:v2" } });
    expect(archive).toMatchObject({ format: "docker-archive", repoTags: ["docker.io/proj/app:v2"] });
    expect(archive.config.diffIds).toEqual(meta.diffIds);
    const rawConfig = await runBuffer("skopeo", ["inspect", "--config", "--raw", `docker-archive:${dockerArchive}`]);
    expect(archive.config.digest).toBe(sha256(rawConfig));
  });

  it("a gzip-compressed docker-archive reaches skopeo through uncompressedPath, removed with the scope", async () => {
    const meta = await writeImageArchive(temp("compressed.tar.gz"), { format: "docker-legacy", layers: 2, compress: "gzip", seed: "gz-skopeo" });
    const seen = succeeded(
      await runScoped(
        Effect.gen(function* () {
          const archive = yield* openImageArchive(meta.path);
          const inspected = yield* Effect.promise(() => run("skopeo", ["inspect", `docker-archive:${archive.uncompressedPath}`]));
          return { uncompressedPath: archive.uncompressedPath, layers: (JSON.parse(inspected) as { Layers: string[] }).Layers };
        }),
      ),
    );
    expect(seen.uncompressedPath).not.toBe(meta.path);
    expect(seen.layers).toEqual(meta.diffIds);
    await expect(access(seen.uncompressedPath)).rejects.toThrow(/ENOENT/);
  });
});

describe("indexes the tar formats GNU tar writes", () => {
  it.each(["gnu", "pax", "ustar", "v7"] as const)("--format=%s", async (format) => {
    const root = temp(`gnu-${format}`);
    const longDirectory = format === "ustar" || format === "v7" ? "d".repeat(60) : "d".repeat(150);
    const files: Record<string, string> = {
      "manifest.json": "[]",
      [`${longDirectory}/${format === "v7" ? "f" : "long-file-name.bin"}`]: "long",
      ...(format === "v7" ? {} : { "ünïcödé.txt": "unicode" }),
      "sub/data.bin": "x".repeat(10_000),
    };
    for (const [name, content] of Object.entries(files)) {
      await mkdir(temp(`gnu-${format}`, name, ".."), { recursive: true });
      await writeFile(temp(`gnu-${format}`, name), content);
    }
    await symlink("../sub/data.bin", temp(`gnu-${format}`, longDirectory, "link"));
    await link(temp(`gnu-${format}`, "sub/data.bin"), temp(`gnu-${format}`, "hard.bin"));
    const archive = temp(`gnu-${format}.tar`);
    await run("tar", [`--format=${format}`, "-cf", archive, "-C", root, "."]);
    const index = await Effect.runPromise(indexTar({ file: archive, path: archive, what: "the file" }));
    const bytes = await readFile(archive);
    const contentOf = (name: string) => {
      const resolved = resolveInTar(index.entries, name);
      if (resolved._tag !== "found") throw new Error(`${name}: ${JSON.stringify(resolved)}`);
      return bytes.subarray(resolved.entry.dataOffset, resolved.entry.dataOffset + resolved.entry.size).toString();
    };
    for (const [name, content] of Object.entries(files)) expect(contentOf(name)).toBe(content);
    expect(contentOf(`${longDirectory}/link`)).toBe(files["sub/data.bin"]);
    expect(contentOf("hard.bin")).toBe(files["sub/data.bin"]);
  });
});
