import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Exit } from "effect";
import { expect, it } from "vitest";
import { ImageReference, type PushError, type PushOutcome, type PushRequest } from "@skopush/core";
import { listTags, readManifest, type TestEnvironment, type TestRegistry } from "../environment/index.js";
import { writeImageArchive, type ImageArchiveMetadata } from "../fixtures/index.js";

/** What the multi-image cases borrow from the contract's suite. */
export interface MultiImageContext {
  readonly name: string;
  readonly environment: () => TestEnvironment;
  readonly workDir: () => string;
  readonly request: (registry: TestRegistry, path: string, overrides?: Partial<PushRequest>) => PushRequest;
  readonly push: (req: PushRequest) => Promise<Exit.Exit<PushOutcome, PushError>>;
  readonly succeeded: (exit: Exit.Exit<PushOutcome, PushError>) => PushOutcome;
  readonly failure: (exit: Exit.Exit<PushOutcome, PushError>) => PushError;
  readonly expectNoLeftovers: () => Promise<void>;
}

const PLATFORMS = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64", variant: "v8" },
] as const;

/** A manifest is readable by its digest in the repository (`readManifest` throws on anything but 200). */
const holds = (registry: TestRegistry, repository: string, digest: string): Promise<boolean> =>
  readManifest(registry, repository, digest).then(
    () => true,
    () => false,
  );

/**
 * Multi-platform images and archives of several images: an index is pushed whole (every platform's
 * manifest and blobs, then the index, digests as the archive's), a platform option pushes one, and a
 * docker-archive of several images pushes the one its destination or `image` names, or is refused.
 */
export const multiImageCases = (ctx: MultiImageContext): void => {
  let multi: Promise<ImageArchiveMetadata> | undefined;
  const multiPlatform = () =>
    (multi ??= writeImageArchive(join(ctx.workDir(), "multi-platform.tar"), {
      format: "oci-archive",
      seed: `${ctx.name}-multi`,
      layers: 2,
      layerSize: 32 * 1024,
      platforms: PLATFORMS,
    }));
  let several: Promise<ImageArchiveMetadata> | undefined;
  const severalImages = () =>
    (several ??= writeImageArchive(join(ctx.workDir(), "several-images.tar"), {
      format: "docker-legacy",
      seed: `${ctx.name}-one`,
      repoTags: ["acme/one:v1"],
      layerSize: 16 * 1024,
      moreImages: [{ seed: `${ctx.name}-two`, repoTags: ["acme/two:v1"] }],
    }));

  it("pushes a multi-platform oci-archive as its image index: every platform's manifest and blobs, digests as in the archive", async () => {
    const registry = ctx.environment().registry("basic");
    const meta = await multiPlatform();
    const req = ctx.request(registry, meta.path);
    const outcome = ctx.succeeded(await ctx.push(req));
    const repository = req.destination.repository;
    const index = await readManifest(registry, repository, "v1");
    expect(outcome.digest).toBe(meta.indexDigest);
    expect(index.digest).toBe(meta.indexDigest);
    const listed = (index.json as { manifests?: ReadonlyArray<{ digest: string; platform?: { architecture?: string } }> }).manifests ?? [];
    expect(listed.map((m) => [m.digest, m.platform?.architecture])).toEqual((meta.images ?? []).map((image) => [image.manifestDigest, image.platform.architecture]));
    for (const image of meta.images ?? []) {
      const manifest = await readManifest(registry, repository, image.manifestDigest);
      expect(manifest.json.config?.digest).toBe(image.configDigest);
      expect(manifest.json.layers?.map((layer) => layer.digest)).toEqual(image.layers.map((layer) => layer.digest));
    }
    await ctx.expectNoLeftovers();
  });

  it("pushes one platform of a multi-platform archive with the platform option, and nothing of the others", async () => {
    const registry = ctx.environment().registry("plain");
    const meta = await multiPlatform();
    const [amd64, arm64] = meta.images ?? [];
    const req = ctx.request(registry, meta.path);
    const outcome = ctx.succeeded(await ctx.push({ ...req, archive: { path: meta.path, platform: "linux/arm64" } }));
    const repository = req.destination.repository;
    const stored = await readManifest(registry, repository, "v1");
    expect([outcome.digest, stored.digest]).toEqual([arm64?.manifestDigest, arm64?.manifestDigest]);
    expect(stored.json.config?.digest).toBe(arm64?.configDigest);
    expect(await holds(registry, repository, amd64?.manifestDigest ?? "")).toBe(false);
    expect(await holds(registry, repository, meta.indexDigest ?? "")).toBe(false);
    await ctx.expectNoLeftovers();
  });

  it("pushes the image of a docker-archive of several that the destination's repository and tag name, or the one `image` names", async () => {
    const registry = ctx.environment().registry("plain");
    const meta = await severalImages();
    const [one, two] = meta.dockerImages ?? [];
    const hex = randomBytes(4).toString("hex");
    const byName = ctx.request(registry, meta.path, { destination: ImageReference.parseOrThrow(`${registry.host}/contract/${ctx.name}-${hex}/two:v1`) });
    ctx.succeeded(await ctx.push(byName));
    expect((await readManifest(registry, byName.destination.repository, "v1")).json.config?.digest).toBe(two?.configDigest);
    const chosen = ctx.request(registry, meta.path);
    ctx.succeeded(await ctx.push({ ...chosen, archive: { path: meta.path, image: "acme/one:v1" } }));
    expect((await readManifest(registry, chosen.destination.repository, "v1")).json.config?.digest).toBe(one?.configDigest);
    await ctx.expectNoLeftovers();
  });

  it("refuses a docker-archive of several images that nothing names, with ArchiveInvalid listing them, tagging nothing", async () => {
    const registry = ctx.environment().registry("plain");
    const meta = await severalImages();
    const req = ctx.request(registry, meta.path);
    const error = ctx.failure(await ctx.push(req));
    expect(error._tag).toBe("ArchiveInvalid");
    expect(error.message).toContain("acme/one:v1, acme/two:v1");
    expect(await listTags(registry, req.destination.repository)).toEqual([]);
    await ctx.expectNoLeftovers();
  });
};
