import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeImageArchive } from "@skopush/testkit/fixtures";

/** The images of the push-many section: each a shared base layer and a small layer of its own. */
export interface ManyImages {
  /** `{ archive, repository }` per image; archives are absolute paths. */
  readonly images: ReadonlyArray<{ readonly archive: string; readonly repository: string }>;
  readonly baseBytes: number;
  readonly ownBytes: number;
}

/** Writes `count` docker-archives sharing one base layer of `baseMib` MiB (half text, half random per MiB) and an own layer of `ownMib`. */
export const writeManyImages = async (dir: string, count: number, baseMib: number, ownMib: number): Promise<ManyImages> => {
  const images = [];
  for (let i = 0; i < count; i++) {
    const archive = join(dir, `app-${i}.tar`);
    await writeImageArchive(archive, {
      format: "docker-legacy",
      layers: 2,
      layerSize: [baseMib * 2 ** 20, ownMib * 2 ** 20],
      compressibility: 0.5,
      seed: `bench-many-${i}`,
      baseSeed: "bench-many-base",
    });
    images.push({ archive, repository: `bench/many-${i}` });
  }
  return { images, baseBytes: baseMib * 2 ** 20, ownBytes: ownMib * 2 ** 20 };
};

/** Writes the plan file for `skopush push-many` and the `archive destination` list the shell rows read. */
export const writePlanAndList = async (dir: string, many: ManyImages, host: string): Promise<{ readonly plan: string; readonly list: string }> => {
  const items = many.images.map((image) => ({ archive: image.archive, destination: `${host}/${image.repository}:v1` }));
  const plan = join(dir, "plan.json");
  const list = join(dir, "list.txt");
  await writeFile(plan, JSON.stringify(items));
  await writeFile(list, items.map((item) => `${item.archive} ${item.destination}\n`).join(""));
  return { plan, list };
};
